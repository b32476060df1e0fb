export * from './site-documents';
