// Help texts. The list of configuration settings comes from the key table, so it cannot drift.
import { describeSettings } from './config';

export function mainHelp(version: string): string {
  return `wharf ${version}: an ActiveMQ Classic-compatible message broker for Node.js

Usage: wharf <command> [options]

Commands:
  start      run a broker (wharf start --config wharf.yaml)
  produce    send messages (like ActiveMQ's 'activemq producer')
  consume    receive messages (like 'activemq consumer')
  browse     look at the messages on a queue without consuming them (like 'activemq browse')
  query      print the attributes of the broker, queues and topics (like 'activemq query -QQueue=X')
  purge      delete the pending messages of queues (like 'activemq purge X')
  dstat      a table of queue and topic statistics (like 'activemq dstat')
  bstat      the broker's totals and destinations (like 'activemq bstat')
  cluster    show a replicated group: roles, epoch, positions, lag (wharf cluster status)
  store      check or repair a stopped broker's store (wharf store check --data-directory DIR)
  hash-password  print the scrypt hash of a password read from stdin (for users[].password)

Options:
  -h, --help       show help (also: wharf <command> --help)
  -v, --version    print the version

Exit codes: 0 success, 1 failure, 2 bad usage or configuration.`;
}

export function startHelp(): string {
  return `Usage: wharf start [--config FILE] [--KEY VALUE ...]

Runs a broker until SIGTERM or SIGINT (Ctrl-C), then stops it cleanly (exit code 0).
A bad configuration prints 'wharf: config error: ...' and exits with 2.

Configuration: a YAML or JSON file (--config FILE or WHARF_CONFIG), then WHARF_* environment
variables, then flags. Precedence: flag > environment > file > defaults. Flags may be written
--brokerName x, --broker-name x or --broker-name=x. Lists and mappings take JSON:
  --transportConnectors '[{"name":"openwire","uri":"tcp://0.0.0.0:61616"}]'
Sizes take 64mb, 1 gb or bytes; durations take 500ms, 2s or milliseconds; booleans true/false.

  -c, --config FILE                 WHARF_CONFIG                              the configuration file
  --port N                          WHARF_PORT                                set the port of the openwire connector
${describeSettings().join('\n')}

Cluster keys (replicas, zk*, replicationBind, sync, nodeId) and console keys are passed to the
cluster and console. In Kubernetes, nodeId defaults to the StatefulSet ordinal of HOSTNAME
(wharf-2 → 2) when WHARF_NODE_ID is not set.`;
}

export const PRODUCE_HELP = `Usage: wharf produce [--url URL] (--destination queue://X | --queue X | --topic X) [options]

Sends messages, like ActiveMQ's 'activemq producer'.

  --url URL               broker URL (default tcp://127.0.0.1:61616; also failover:(...)) [--brokerUrl]
  --destination D         queue://NAME or topic://NAME; a bare name is a queue
  --queue NAME, --topic NAME
  --count N               how many messages (default 1) [--messageCount]
  --message TEXT          the text of every message (default "Message <i> from wharf produce")
  --size BYTES            send text messages of this size instead (64kb works) [--messageSize]
  --persistent BOOL       persistent delivery (default true)
  --ttl MS                time to live, 0 = never expires (default 0) [--msgTTL]
  --priority P            0-9 (default 4)
  --transacted            send in a transaction, committing every --batch messages
  --batch K               messages per transaction (default 1; implies --transacted) [--transactionBatchSize]
  --property K=V          set a message property (repeatable; numbers and true/false are typed)
  --user NAME, --password SECRET, --client-id ID
  --quiet                 no progress output`;

export const CONSUME_HELP = `Usage: wharf consume [--url URL] (--destination D | --queue X | --topic X) [options]

Receives messages, like ActiveMQ's 'activemq consumer'.

  --url URL               broker URL (default tcp://127.0.0.1:61616) [--brokerUrl]
  --destination D         queue://NAME or topic://NAME; a bare name is a queue
  --queue NAME, --topic NAME
  --count N               stop after N messages (default 0 = no limit) [--messageCount]
  --timeout MS            stop when no message came for MS ms (default 10000; 0 = wait forever)
  --selector EXPR         JMS selector, e.g. "color = 'red' AND weight > 2"
  --ack MODE              auto | client | dups_ok | individual | transacted (default auto) [--ackMode]
  --batch K               acknowledge/commit every K messages for client/transacted (default 1)
  --durable NAME          durable subscription name (topics; needs --client-id) [--subscriptionName]
  --client-id ID          the connection's client ID [--clientId]
  --print                 print each message (body and properties) to stdout
  --user NAME, --password SECRET
  --quiet                 no progress output

Exit code 1 when --count was given and fewer messages came before the timeout.`;

export const BROWSE_HELP = `Usage: wharf browse [--url URL] --queue NAME [--selector EXPR] [--limit N]

Prints the messages on a queue without consuming them, like 'activemq browse'.

  --url URL               broker URL (default tcp://127.0.0.1:61616) [--brokerUrl]
  --queue NAME            the queue (or --destination queue://NAME)
  --selector EXPR         only messages matching this JMS selector
  --limit N               print at most N messages (default 0 = all)
  --user NAME, --password SECRET`;
