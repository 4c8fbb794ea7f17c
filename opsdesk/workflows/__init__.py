"""Business events, one function each, that read top to bottom: what happens, in order.

The API, the workspace, the portal, email intake, automation, playbooks, the demo and the
CLI all change tickets through these functions; the apps' services are their steps.
"""
