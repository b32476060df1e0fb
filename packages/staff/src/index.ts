export * from './roles';
export * from './tokens';
export * from './staff.service';
export * from './sign-in-mail';
export * as staffRepository from './staff.repository';
export * from './session-cookie';
