export * from './election/zk-server';
export type { Election, ElectionEvents, ElectionLogger, ElectionOptions, ElectionRole, ElectionState, MemberInfo, Position } from './election/types';
export { ElectionError, type ElectionErrorCode } from './election/errors';
export { quorumOf, comparePositions } from './election/rules';
export { MemoryElection, MemoryElectionHub } from './election/memory';
export { ZooKeeperElection, type ZooKeeperElectionOptions } from './election/zookeeper';
export { electionConformanceCases, waitForState, waitForAll, waitForLost, type ElectionFixture, type ElectionGroupFixture } from './election/conformance';
