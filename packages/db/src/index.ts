export * from './schema';
export * from './database';
export * from './errors';
export * from './ids';
export { migrations } from './migrations';
export { sql } from 'kysely';
export type { Kysely, Transaction } from 'kysely';
export * from './subscription-token-key';
export * from './backup';
