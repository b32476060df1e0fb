import ipaddr from 'ipaddr.js';

/**
 * Which addresses a request to a user-given URL (a partner feed, a webhook destination) may reach.
 * Only ordinary public unicast addresses: a URL someone typed must not turn our worker into a
 * client of the cloud metadata service, the database next door or the loopback admin ports.
 */
export type AddressPolicy = (address: string) => boolean;

/** Public unicast only. IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it carries. */
export const publicAddressesOnly: AddressPolicy = (address) => {
  if (!ipaddr.isValid(address)) return false;
  // 'unicast' is ipaddr.js's name for "none of the special ranges": private, loopback,
  // link-local, unique-local, carrier-grade NAT, multicast, reserved, 6to4/Teredo tunnels…
  return ipaddr.process(address).range() === 'unicast';
};

export const anyAddress: AddressPolicy = () => true;

export function addressPolicyFor(allowPrivateNetworks: boolean): AddressPolicy {
  return allowPrivateNetworks ? anyAddress : publicAddressesOnly;
}

/** The address inside a URL's hostname when it is a literal (`10.0.0.1`, `[::1]`), else undefined. */
export function literalAddressOf(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return ipaddr.isValid(bare) ? bare : undefined;
}
