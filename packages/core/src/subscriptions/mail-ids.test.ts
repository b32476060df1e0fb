import { digestMessageId, mailDomainOf, subscriptionMailMessageId } from './mail-ids';

describe('deterministic Message-IDs', () => {
  it.each([
    ['Career Center <no-reply@Careers.Example.edu>', 'careers.example.edu'],
    ['no-reply@localhost', 'localhost'],
    ['"A <b>" <x@mail.test>', 'mail.test'],
    ['nonsense', 'localhost'],
  ])('takes the domain of %s', (from, domain) => expect(mailDomainOf(from)).toBe(domain));

  it('names the subscriber and the period, with no character a Message-ID may not hold', () => {
    const id = digestMessageId('0193-ab', 'daily:2026-11-25', 'careers.test');
    expect(id).toBe('<digest.0193-ab.daily.2026-11-25@careers.test>');
    expect(digestMessageId('0193-ab', 'daily:2026-11-25', 'careers.test')).toBe(id);
    expect(subscriptionMailMessageId('confirm', 's', 'n:1', 'd.test')).toBe('<confirm.s.n.1@d.test>');
  });
});
