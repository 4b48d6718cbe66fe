"""The service behind a Kubernetes pod name, for flat tables that have no service column.

Kubernetes names a controller's pods ``<owner>-<suffix>``; the service is the
owner's name with the generated suffixes removed.  Generated suffixes use
the alphabet ``bcdfghjklmnpqrstvwxz2456789`` (no vowels, no ``0 1 3``), so
ordinary words are never taken for one.  The rules, tried in this order:

* **Deployment**: ``<name>-<pod-template-hash>-<pod suffix>``: a hash of 5 to
  10 characters and a 5-character suffix, both from that alphabet;
* **DaemonSet** (and other ``generateName`` pods: Jobs, bare ReplicaSets):
  ``<name>-<5 characters>`` from that alphabet;
* **StatefulSet**: ``<name>-<ordinal>`` (``redis-0``);
* anything else is kept as written.

>>> service_from_pod("cartservice-7d9f8b6c4d-x2x9k")
'cartservice'
>>> service_from_pod("frontend-proxy-5b4c7d9f7-bq2zn")
'frontend-proxy'
>>> service_from_pod("otel-collector-agent-x7w2k")
'otel-collector-agent'
>>> service_from_pod("redis-cart-0"), service_from_pod("kafka-12")
('redis-cart', 'kafka')
>>> service_from_pod("checkout"), service_from_pod("email-server")
('checkout', 'email-server')
>>> service_from_pod(" ad-6cf8cd5f7c-2mlzv ")
'ad'
"""

from __future__ import annotations

import re

_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_DEPLOYMENT = re.compile(rf"(.+)-[{_ALPHABET}]{{5,10}}-[{_ALPHABET}]{{5}}")
_GENERATED = re.compile(rf"(.+)-[{_ALPHABET}]{{5}}")
_ORDINAL = re.compile(r"(.+)-\d+")
POD_COLUMNS = ("k8s.pod.name", "resource.k8s.pod.name", "resource_k8s.pod.name", "PodName", "pod_name",
               "pod")
"""Columns that hold a pod name (matched without regard to case), best first."""


def service_from_pod(pod: str) -> str:
    """The service name for a pod name: its generated suffixes removed (see the module doc)."""
    name = pod.strip()
    for pattern in (_DEPLOYMENT, _GENERATED, _ORDINAL):
        match = pattern.fullmatch(name)
        if match:
            return match.group(1)
    return name
