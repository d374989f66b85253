// The selector's syntax tree. It lives only between parsing and compiling: matching runs the
// closures compile.ts builds from it, never the tree.

export type Literal = null | boolean | number | bigint | string;
export type ArithOp = '+' | '-' | '*' | '/' | '%';
export type CmpOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

interface Base {
  /** 0-based offset of the node's first character, for error columns. */
  readonly pos: number;
  /** Height of the tree under this node (a leaf is 1); bounded so evaluation cannot blow the stack. */
  depth: number;
}

export type Node =
  | (Base & { readonly k: 'lit'; readonly value: Literal })
  | (Base & { readonly k: 'id'; readonly name: string; readonly header: boolean })
  | (Base & { readonly k: 'neg'; readonly e: Node })
  | (Base & { readonly k: 'arith'; readonly op: ArithOp; readonly l: Node; readonly r: Node })
  | (Base & { readonly k: 'cmp'; readonly op: CmpOp; readonly l: Node; readonly r: Node })
  | (Base & { readonly k: 'isnull'; readonly e: Node; readonly not: boolean })
  | (Base & { readonly k: 'like'; readonly e: Node; readonly pattern: string; readonly escape: string | undefined; readonly not: boolean })
  | (Base & { readonly k: 'in'; readonly e: Node; readonly list: readonly string[]; readonly not: boolean })
  | (Base & { readonly k: 'between'; readonly e: Node; readonly lo: Node; readonly hi: Node; readonly not: boolean })
  | (Base & { readonly k: 'not'; readonly e: Node })
  // AND / OR chains are flat so that `a = 1 OR a = 2 OR …` with thousands of terms stays shallow.
  | (Base & { readonly k: 'and' | 'or'; readonly items: Node[] });

/** What is known about a node's value before any message is seen. */
export type StaticType = 'bool' | 'num' | 'str' | 'null' | 'any';

export function staticType(n: Node): StaticType {
  switch (n.k) {
    case 'lit': {
      const v = n.value;
      if (v === null) return 'null';
      if (typeof v === 'boolean') return 'bool';
      if (typeof v === 'string') return 'str';
      return 'num';
    }
    case 'id': return 'any';
    case 'neg':
    case 'arith': return 'num';
    default: return 'bool';
  }
}

/** How a node reads in an error message: `the string 'a'`, `a numeric expression`, … */
export function describeNode(n: Node): string {
  if (n.k === 'lit') {
    const v = n.value;
    if (v === null) return 'NULL';
    if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
    if (typeof v === 'string') return `the string '${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
    return `the number ${String(v)}`;
  }
  switch (staticType(n)) {
    case 'num': return 'a numeric expression';
    case 'bool': return 'a boolean expression';
    default: return `the identifier ${n.k === 'id' ? n.name : ''}`;
  }
}

/**
 * Header identifiers read through `getHeader` (ActiveMQ PropertyExpression.JMS_PROPERTY_EXPRESSIONS);
 * every other identifier, including other `JMS…` names, is a message property.
 */
export const HEADER_NAMES: ReadonlySet<string> = new Set([
  'JMSDestination', 'JMSReplyTo', 'JMSType', 'JMSDeliveryMode', 'JMSPriority', 'JMSMessageID',
  'JMSTimestamp', 'JMSCorrelationID', 'JMSExpiration', 'JMSRedelivered',
  'JMSXDeliveryCount', 'JMSXGroupID', 'JMSXGroupSeq', 'JMSXUserID', 'JMSXProducerTXID',
  'JMSXGroupFirstForConsumer', 'JMSActiveMQBrokerInTime', 'JMSActiveMQBrokerOutTime', 'JMSActiveMQBrokerPath',
]);
