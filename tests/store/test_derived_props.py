"""Span properties computed once at ingest for the cross-trace recipes: ``host`` and ``conn_setup``."""

from __future__ import annotations

import pytest

from graphtrace.analysis.anomalies.cold_connection import detect
from graphtrace.analysis.anomalies.options import AnomalyOptions
from graphtrace.analysis.tree import build_tree
from graphtrace.model import Span, Trace
from graphtrace.store.codec import span_from_props, span_props


def span(name: str = "op", resource: dict | None = None) -> Span:
    return Span(trace_id="t", span_id="s", name=name, start_ns=0, end_ns=1, resource=resource or {})


@pytest.mark.parametrize("name", ["dns.lookup", "DNS.Resolve", "ssl.handshake", " tcp.connect ", "connect",
                                  "db.pool.connect", "connection", "tcp.connected", "GET /connect", "HGET"])
def test_the_stored_flag_is_what_the_cold_connection_anomaly_sees(name):
    # one CLIENT call with one child named `name`: the anomaly fires exactly when ingest flags the child
    call = Span(trace_id="t", span_id="c", name="GET", kind="CLIENT", start_ns=0, end_ns=10)
    child = Span(trace_id="t", span_id="k", parent_span_id="c", name=name, start_ns=1, end_ns=2)
    fired = bool(detect(build_tree(Trace(trace_id="t", spans=[call, child])), {}, AnomalyOptions()))
    assert span_props(child).get("conn_setup", False) is fired


@pytest.mark.parametrize(("resource", "host"), [
    ({"service.name": "a", "host.name": "h1", "k8s.pod.name": "p", "host.id": "i"}, "h1"),
    ({"k8s.pod.name": "pod-7", "host.id": "i"}, "pod-7"),   # no host.name: the pod
    ({"host.id": "i-42"}, "i-42"),                           # then host.id
    ({"host.id": 42}, "42"),                                 # a non-string value as text, like Span.host
])
def test_host_follows_the_resource_precedence(resource, host):
    assert span_props(span(resource=resource))["host"] == host


def test_no_host_key_means_no_property():
    assert "host" not in span_props(span(resource={"service.name": "a"}))


@pytest.mark.parametrize(("name", "setup"), [
    ("dns.lookup", True), ("DNS.Resolve", True), ("tls.handshake", True), ("ssl.handshake", True),
    ("connect", True), (" tcp.connect ", True), ("db.pool.connect", True),
    ("connection", False), ("tcp.connected", False), ("GET /connect", False), ("HGET", False),
])
def test_conn_setup_marks_only_set_up_steps(name, setup):
    props = span_props(span(name=name))
    assert props.get("conn_setup") is (True if setup else None)  # absent, never false


def test_derived_properties_do_not_change_the_read_back():
    s = span(name="tcp.connect", resource={"host.name": "h"})
    assert span_from_props(span_props(s)) == s
