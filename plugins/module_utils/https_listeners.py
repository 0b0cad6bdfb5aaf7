# -*- coding: utf-8 -*-

# Copyright: Contributors to the bluegreen.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Plan the HTTPS listeners of an application's ALB (pure functions, no AWS).

``plan_https(listeners, ...)`` takes the listeners as DescribeListeners returns
them and returns the ordered steps that make

* the production listener HTTPS on ``listener_port`` with the certificate and
  the TLS policy,
* the listener on ``redirect_port`` (80) a permanent (301) redirect to it,
* the optional test listener HTTPS on its port, forwarding as before.

The order is what keeps the site up while an HTTP stack is converted: when
there is no production listener on ``listener_port`` yet, it is created with
a copy of the default actions of the listener on ``redirect_port`` (the live
color, or the weights of a canary, as AWS has them now), and only after that
is the redirect listener turned into a redirect. An existing listener is
modified in place (protocol, certificate, policy): its default actions are
never sent, so no step ever moves traffic between the colors.

``apply_steps`` predicts the listeners after the steps (check mode, diff) and
``summarize`` makes them readable.
"""

from __future__ import annotations

import copy

DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
# The keys of a default action that a new listener can take over.
_ACTION_KEYS = ("Type", "TargetGroupArn", "ForwardConfig", "Order")


class HttpsPlanError(Exception):
    pass


def redirect_action(listener_port):
    return {
        "Type": "redirect",
        "RedirectConfig": {"Protocol": "HTTPS", "Port": str(listener_port), "StatusCode": "HTTP_301"},
    }


def is_redirect_to(listener, listener_port):
    """Whether ``listener`` is HTTP and its only default action is a 301 to HTTPS on ``listener_port``."""
    actions = listener.get("DefaultActions") or []
    if listener.get("Protocol") != "HTTP" or len(actions) != 1 or actions[0].get("Type") != "redirect":
        return False
    config = actions[0].get("RedirectConfig") or {}
    return (
        config.get("Protocol") == "HTTPS"
        and str(config.get("Port", "#{port}")) == str(listener_port)
        and config.get("StatusCode") == "HTTP_301"
        and config.get("Host", "#{host}") == "#{host}"
        and config.get("Path", "/#{path}") == "/#{path}"
        and config.get("Query", "#{query}") == "#{query}"
    )


def forwards(listener):
    actions = (listener or {}).get("DefaultActions") or []
    return bool(actions) and actions[-1].get("Type") == "forward"


def tls_settings(listener, certificate_arn, ssl_policy):
    """ModifyListener parameters that make ``listener`` HTTPS with the certificate and policy; {} when it is."""
    current_certificates = [c.get("CertificateArn") for c in listener.get("Certificates") or []]
    if (
        listener.get("Protocol") == "HTTPS"
        and current_certificates[:1] == [certificate_arn]
        and listener.get("SslPolicy") == ssl_policy
    ):
        return {}
    return {"Protocol": "HTTPS", "Certificates": [{"CertificateArn": certificate_arn}], "SslPolicy": ssl_policy}


def _by_port(listeners):
    return {listener["Port"]: listener for listener in listeners}


def validate(listener_port, redirect_port, test_listener_port, certificate_arn):
    ports = [listener_port, redirect_port] + ([test_listener_port] if test_listener_port is not None else [])
    if len(set(ports)) != len(ports):
        raise HttpsPlanError(
            f"listener_port ({listener_port}), redirect_port ({redirect_port}) and test_listener_port "
            f"({test_listener_port}) must all differ"
        )
    if not str(certificate_arn).startswith("arn:aws") or ":certificate/" not in str(certificate_arn):
        raise HttpsPlanError(
            f"certificate_arn must be the ARN of an ACM (or IAM server) certificate, got {certificate_arn!r}"
        )


def plan_https(listeners, listener_port, redirect_port, test_listener_port, certificate_arn, ssl_policy=DEFAULT_SSL_POLICY):
    """The ordered steps; each is ``dict(call='create'|'modify', port=..., params=..., why=...)``.

    A ``modify`` step also carries ``listener_arn``. Raises HttpsPlanError
    when there is nothing the production listener could be copied from.
    """
    validate(listener_port, redirect_port, test_listener_port, certificate_arn)
    ports = _by_port(listeners)
    steps = []
    tls = {"Protocol": "HTTPS", "Certificates": [{"CertificateArn": certificate_arn}], "SslPolicy": ssl_policy}

    production = ports.get(listener_port)
    if production is None:
        source = ports.get(redirect_port)
        if not forwards(source):
            found = ", ".join(f"{p} ({ports[p]['Protocol']})" for p in sorted(ports)) or "none"
            raise HttpsPlanError(
                f"There is no production listener on port {listener_port}, and the listener on port {redirect_port} "
                f"does not forward to a color to copy it from (listeners: {found}); "
                "create the production listener (the switch sets its color) or restore the HTTP one"
            )
        actions = [{k: v for k, v in a.items() if k in _ACTION_KEYS} for a in source["DefaultActions"]]
        steps.append(dict(call="create", port=listener_port, params=dict(tls, Port=listener_port, DefaultActions=actions),
                          why=f"create the HTTPS production listener on {listener_port}, forwarding as port {redirect_port} does now"))
    else:
        settings = tls_settings(production, certificate_arn, ssl_policy)
        if settings:
            steps.append(dict(call="modify", port=listener_port, listener_arn=production["ListenerArn"], params=settings,
                              why=f"make the production listener on {listener_port} HTTPS (its forwarding unchanged)"))

    if test_listener_port is not None:
        test = ports.get(test_listener_port)
        if test is None:
            raise HttpsPlanError(f"There is no test listener on port {test_listener_port} (test_listener_port)")
        settings = tls_settings(test, certificate_arn, ssl_policy)
        if settings:
            steps.append(dict(call="modify", port=test_listener_port, listener_arn=test["ListenerArn"], params=settings,
                              why=f"make the test listener on {test_listener_port} HTTPS (its forwarding unchanged)"))

    redirect = ports.get(redirect_port)
    wanted = {"Protocol": "HTTP", "DefaultActions": [redirect_action(listener_port)]}
    if redirect is None:
        steps.append(dict(call="create", port=redirect_port, params=dict(wanted, Port=redirect_port),
                          why=f"redirect port {redirect_port} to HTTPS on {listener_port} (301)"))
    elif not is_redirect_to(redirect, listener_port):
        steps.append(dict(call="modify", port=redirect_port, listener_arn=redirect["ListenerArn"], params=wanted,
                          why=f"turn port {redirect_port} into a redirect to HTTPS on {listener_port} (301)"))
    return steps


def apply_steps(listeners, steps):
    """The listeners after ``steps`` (a prediction: new listeners have no ARN)."""
    after = {listener["Port"]: copy.deepcopy(listener) for listener in listeners}
    for step in steps:
        params = copy.deepcopy(step["params"])
        if step["call"] == "create":
            after[step["port"]] = params
        else:
            listener = after[step["port"]]
            listener.update(params)
            if params.get("Protocol") == "HTTP":
                listener.pop("Certificates", None)
                listener.pop("SslPolicy", None)
    return [after[port] for port in sorted(after)]


def _target_name(arn):
    parts = str(arn).split(":targetgroup/")
    return parts[1].split("/")[0] if len(parts) == 2 else str(arn)


def describe_action(action):
    kind = action.get("Type")
    if kind == "forward":
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
        if groups:
            return "forward to " + ", ".join(f"{_target_name(g['TargetGroupArn'])} ({g.get('Weight', 1)})" for g in groups)
        return "forward to " + _target_name(action.get("TargetGroupArn"))
    if kind == "redirect":
        config = action.get("RedirectConfig") or {}
        return f"redirect to {config.get('Protocol', '#{protocol}')}:{config.get('Port', '#{port}')} ({config.get('StatusCode')})"
    return kind


def summarize(listeners):
    """``{port: {protocol, certificate, ssl_policy, default_actions}}`` with readable actions."""
    summary = {}
    for listener in sorted(listeners, key=lambda item: item["Port"]):
        https = listener.get("Protocol") == "HTTPS"
        certificates = listener.get("Certificates") or []
        summary[str(listener["Port"])] = dict(
            protocol=listener.get("Protocol"),
            certificate=certificates[0].get("CertificateArn") if https and certificates else None,
            ssl_policy=listener.get("SslPolicy") if https else None,
            default_actions=[describe_action(a) for a in listener.get("DefaultActions") or []],
        )
    return summary
