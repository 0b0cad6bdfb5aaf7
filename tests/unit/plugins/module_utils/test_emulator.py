"""Unit tests for the embedded-AWS URL helpers."""

import pytest

from ansible_collections.bluegreen.aws.plugins.module_utils.emulator import is_loopback, parse_endpoint


@pytest.mark.parametrize(
    "host, expected",
    [("127.0.0.1", True), ("127.0.0.5", True), ("localhost", True), ("::1", True),
     ("10.0.0.1", False), ("0.0.0.0", False), ("example.com", False)],
)
def test_is_loopback(host, expected):
    assert is_loopback(host) is expected


def test_parse_endpoint_ok():
    assert parse_endpoint("http://127.0.0.1:4575") == ("http://127.0.0.1:4575", "127.0.0.1", 4575)
    assert parse_endpoint("http://localhost:4575/") == ("http://127.0.0.1:4575", "127.0.0.1", 4575)


@pytest.mark.parametrize(
    "url, fragment",
    [("https://127.0.0.1:4575", "http://127.0.0.1:PORT"),
     ("http://0.0.0.0:4575", "'0.0.0.0' is not a loopback"),
     ("http://10.1.2.3:4575", "'10.1.2.3' is not a loopback"),
     ("http://127.0.0.1", "explicit port"),
     ("", "http://127.0.0.1:PORT")],
)
def test_parse_endpoint_rejects(url, fragment):
    with pytest.raises(ValueError, match=fragment.replace(".", r"\.").replace("(", r"\(")):
        parse_endpoint(url)
