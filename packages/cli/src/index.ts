// @wharf/cli: the `wharf` command, and its configuration loader for embedding and tests.
export { loadConfig, brokerConfigOf, envName, nodeIdFromHostname, rewritePort, type WharfConfig, type ClusterConfig, type ConsoleConfig, type LoadOptions } from './config';
export { KEYS, type KeySpec, type Spec } from './config-spec';
export { readConfigFile } from './config-file';
export { parseSize, parseDuration } from './units';
export { main, version } from './main';
export { CliError, UsageError, type Io } from './io';
