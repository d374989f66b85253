export * from './wait';
export * from './ledger';
export * from './broker';
export * from './child';
export * from './zookeeper';
export * from './certs';
export * from './slapd';
export * from './flood';
