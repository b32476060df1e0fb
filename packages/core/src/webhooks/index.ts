export * from './standard-webhooks';
export * from './retry-schedule';
export * from './share-deliveries';
export * from './secret-box';
