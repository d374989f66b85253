export * from './wait';
export * from './ledger';
export * from './broker';
