export * from './errors';
export * from './message';
export * from './destination';
export * from './commands';
export * from './codec';
export * from './vm';
export * from './selector';
export * from './suggest';
