/**
 * Deterministic Message-IDs. A mail that is sent again (a retried job, a worker restarted after a
 * crash) carries the same Message-ID as the first attempt, so a receiving system that did get the
 * first one recognises the second as the same message.
 */

/** The domain of MAIL_FROM (`Career Center <no-reply@careers.example.edu>` → `careers.example.edu`). */
export function mailDomainOf(mailFrom: string): string {
  const address = /<([^<>]+)>\s*$/.exec(mailFrom)?.[1] ?? mailFrom;
  const at = address.lastIndexOf('@');
  if (at < 0) return 'localhost';
  const domain = address
    .slice(at + 1)
    .trim()
    .toLowerCase();
  return /^[a-z0-9.-]+$/.test(domain) && domain.length > 0 ? domain : 'localhost';
}

/** Message-ID ids are dot-atoms (RFC 5322): letters, digits and a few symbols, never ':' or '@'. */
function atom(value: string): string {
  return value.replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/g, '.');
}

/** `<digest.<subscriber>.<period>@<domain>>`, the period's ':' written as '.' ("daily.2026-11-25"). */
export function digestMessageId(subscriberId: string, periodKey: string, domain: string): string {
  return `<digest.${atom(subscriberId)}.${atom(periodKey)}@${domain}>`;
}

/** One Message-ID per subscription-mail job (`confirm` or `already-subscribed`, and its nonce). */
export function subscriptionMailMessageId(kind: string, subscriberId: string, nonce: string, domain: string): string {
  return `<${atom(kind)}.${atom(subscriberId)}.${atom(nonce)}@${domain}>`;
}
