export * from './election/zk-server';
