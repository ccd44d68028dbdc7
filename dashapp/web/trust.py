"""Which peers are the sign-on proxy: the one place an address is checked against the setting."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable


def address_is_trusted(peer: str, trusted_networks: Iterable[str]) -> bool:
    """True when `peer` (an IP address) lies in one of `trusted_networks` (CIDR strings)."""
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in trusted_networks)
