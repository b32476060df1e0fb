import type { ConsoleSection } from './console-context';
import { dashboardSection } from './dashboard/dashboard.routes';
import { postsSection } from './posts/posts.routes';
import { settingsSection } from './settings/settings.routes';
import { staffSection } from './staff/staff.routes';
import { authorsSection } from './authors/authors.routes';
import { topicsSection } from './topics/topics.routes';
import { audienceSection, subscribersSection } from './audience/audience.routes';
import { commentsSection } from './comments/comments.routes';
import { importSection } from './import/wordpress-import.routes';
import { distributionSection } from './distribution/distribution.routes';

/**
 * Every part of the console, in nav order. Add a section here (docs/console.md, "Adding a page"):
 * it is mounted at /console<path>, behind the sign-in, the CSRF check and its role guard.
 */
export const CONSOLE_SECTIONS: readonly ConsoleSection[] = [
  dashboardSection,
  postsSection,
  commentsSection,
  authorsSection,
  topicsSection,
  audienceSection,
  subscribersSection,
  distributionSection,
  importSection,
  staffSection,
  settingsSection,
];
