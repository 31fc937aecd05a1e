"""The client's address for the login lockout (django-axes' ``AXES_CLIENT_IP_CALLABLE``).

Behind a reverse proxy every request comes from the proxy: the client's address is then
in ``X-Forwarded-For``, which each proxy extends with the address it received the request
from. Anyone can send that header, so it is read only when the request comes from a
trusted proxy (``settings.TRUSTED_PROXIES``, from ``ZHIJIAN_TRUSTED_PROXIES``), and only
back to the first address that is not a trusted proxy: what a client wrote further left
is never believed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ProxySettingError(ImproperlyConfigured):
    """An entry of ``ZHIJIAN_TRUSTED_PROXIES`` that is no address or network."""


def parse_networks(text: str) -> tuple[Network, ...]:
    """The networks of a comma-separated list of addresses and networks
    (``10.0.0.5,10.1.0.0/16``); an address is a network of one."""
    networks = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ProxySettingError(
                f"ZHIJIAN_TRUSTED_PROXIES 中的“{entry}”不是 IP 地址或网段"
                "（例：10.0.0.5,10.0.0.6 或 10.0.0.0/24）"
            ) from None
    return tuple(networks)


def client_ip(request: Any) -> str | None:
    """The address the lockout counts failures against: ``REMOTE_ADDR``, or, when that is
    a trusted proxy, the right-most address in ``X-Forwarded-For`` that is not one."""
    from django.conf import settings

    return forwarded_client(
        request.META.get("REMOTE_ADDR"),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        settings.TRUSTED_PROXIES,
    )


def forwarded_client(
    remote: str | None, forwarded_for: str, trusted: Sequence[Network]
) -> str | None:
    """The client's address from the connection's peer ``remote`` and the header's value;
    ``remote`` itself unless it is in ``trusted``. A malformed entry in the header ends
    the walk at the last trusted hop, which is then taken as the client."""
    if not _is_trusted(remote, trusted):
        return remote
    client = remote
    for entry in reversed(forwarded_for.split(",")):
        address = _address(entry)
        if address is None:
            break
        client = address
        if not _is_trusted(address, trusted):
            break
    return client


def _is_trusted(address: str | None, trusted: Sequence[Network]) -> bool:
    parsed = _ip(address)
    return parsed is not None and any(parsed in network for network in trusted)


def _ip(address: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None


def _address(entry: str) -> str | None:
    parsed = _ip(entry)
    return str(parsed) if parsed is not None else None
