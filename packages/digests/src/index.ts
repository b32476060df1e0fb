// Email: digests (scheduling, content, sending, the BullMQ processor), confirmation mails, and the
// mailer (SMTP or .eml files).
export * from './mail/mailer';
export * from './mail/mail-rate';
export * from './mail/mail-jobs.worker';
export * from './digests/digest-content';
export * from './digests/digest-scheduler';
export * from './digests/digests.worker';
export * from './digests/send-digest.job';
export * from './digests/send-digest-page';
export { findSubscriberByEmail } from './digests/digests.repository';
export * from './subscriptions/subscription-mails.worker';
export * from './mail/mail-metrics';
export * from './audience/suppression.service';
export * from './audience/audience.service';
