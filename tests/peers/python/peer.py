"""Reference peer for the cross-SDK tests: the official Python SDK (`livekit-api`) behind a
small command-line protocol.

Protocol: one JSON command per line on stdin, one JSON result per line on stdout, in order.
Every command has a "cmd" and may have an "id" (echoed back). Results are
{"id": ..., "ok": true, ...} or {"id": ..., "ok": false, "error": "<Type>: <message>"}.

Commands:
  {"cmd": "version"}
      -> {"sdk": "python", "versions": {...}}
  {"cmd": "mint", "api_key", "api_secret", "ttl_seconds"?, "identity"?, "name"?, "kind"?,
   "metadata"?, "attributes"?, "sha256"?, "room_preset"?, "room_config"? (protojson object),
   "video"?, "sip"?, "agent"?, "inference"?, "observability"? (grant objects with the JWT's
   camelCase names)}
      -> {"token": "<jwt>"}
  {"cmd": "verify", "api_key", "api_secret", "token"}
      -> {"claims": <the SDK's decoded Claims, snake_case>, "payload": <the verified JSON>}

New commands (for example "webhook-sign" / "webhook-verify") go in COMMANDS below; an
unknown command is answered with ok=false, so a test can tell an old peer from a failure.

Install: python3 -m pip install -r tests/peers/python/requirements.txt (or `cargo xtask setup`).
"""

import dataclasses
import datetime
import importlib.metadata
import json
import re
import sys
import traceback
import warnings

try:
    import jwt
    from google.protobuf.json_format import MessageToDict, ParseDict
    from livekit import api
    from livekit.protocol.room import RoomConfiguration
except ImportError as e:  # pragma: no cover - reported to the Rust test
    sys.stderr.write(
        f"peer.py: {e}; install with `cargo xtask setup` or "
        "`python3 -m pip install -r tests/peers/python/requirements.txt`\n"
    )
    sys.exit(3)

# PyJWT warns about short (dev) secrets on stderr; the tests use them on purpose.
warnings.simplefilter("ignore")


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def grants(cls, obj):
    """A grant dataclass from the JWT's camelCase object (unknown fields are an error)."""
    if obj is None:
        return None
    return cls(**{snake(k): v for k, v in obj.items()})


def cmd_version(_req):
    names = ["livekit-api", "livekit-protocol", "PyJWT", "protobuf"]
    return {"sdk": "python", "versions": {n: importlib.metadata.version(n) for n in names}}


def cmd_mint(req):
    token = api.AccessToken(req["api_key"], req["api_secret"])
    if "ttl_seconds" in req:
        token = token.with_ttl(datetime.timedelta(seconds=req["ttl_seconds"]))
    if "identity" in req:
        token = token.with_identity(req["identity"])
    if "name" in req:
        token = token.with_name(req["name"])
    if "kind" in req:
        token = token.with_kind(req["kind"])
    if "metadata" in req:
        token = token.with_metadata(req["metadata"])
    if "attributes" in req:
        token = token.with_attributes(req["attributes"])
    if "sha256" in req:
        token = token.with_sha256(req["sha256"])
    if "room_preset" in req:
        token = token.with_room_preset(req["room_preset"])
    if "room_config" in req:
        token = token.with_room_config(ParseDict(req["room_config"], RoomConfiguration()))
    if "video" in req:
        token = token.with_grants(grants(api.VideoGrants, req["video"]))
    if "sip" in req:
        token = token.with_sip_grants(grants(api.SIPGrants, req["sip"]))
    if "agent" in req:
        token = token.with_agent_grants(grants(api.access_token.AgentGrants, req["agent"]))
    if "inference" in req:
        token = token.with_inference_grants(grants(api.InferenceGrants, req["inference"]))
    if "observability" in req:
        token = token.with_observability_grants(
            grants(api.ObservabilityGrants, req["observability"])
        )
    return {"token": token.to_jwt()}


def cmd_verify(req):
    verifier = api.TokenVerifier(req["api_key"], req["api_secret"])
    claims = verifier.verify(req["token"])
    room_config = claims.room_config
    claims.room_config = None
    decoded = dataclasses.asdict(claims)
    decoded["room_config"] = MessageToDict(room_config) if room_config is not None else None
    payload = jwt.decode(req["token"], options={"verify_signature": False})
    return {"claims": decoded, "payload": payload}


COMMANDS = {
    "version": cmd_version,
    "mint": cmd_mint,
    "verify": cmd_verify,
}


# ---- webhooks (used by crates/livekit-server-webhook/tests/peers.rs) ---------------------
#   {"cmd": "webhook-sign", "api_key", "api_secret", "event"? (protojson object) | "body_b64"?}
#       -> {"body_b64", "authorization", "content_type"}: what the LiveKit server would send,
#          made with this SDK (body = json_format.MessageToJson of the event, or the bytes
#          given; token = AccessToken with sha256 = base64(SHA-256(body)), valid 5 minutes)
#   {"cmd": "webhook-verify", "api_key", "api_secret", "body_b64", "authorization"}
#       -> {"event": <WebhookReceiver.receive's event as protojson (MessageToDict)>}


def cmd_webhook_sign(req):
    import base64
    import hashlib

    from google.protobuf.json_format import MessageToJson
    from livekit.protocol.webhook import WebhookEvent

    if "body_b64" in req:
        body = base64.b64decode(req["body_b64"], validate=True)
    else:
        event = ParseDict(req["event"], WebhookEvent(), ignore_unknown_fields=True)
        body = MessageToJson(event, indent=None).encode()
    sha = base64.b64encode(hashlib.sha256(body).digest()).decode()
    token = (
        api.AccessToken(req["api_key"], req["api_secret"])
        .with_sha256(sha)
        .with_ttl(datetime.timedelta(minutes=5))
        .to_jwt()
    )
    return {
        "body_b64": base64.b64encode(body).decode(),
        "authorization": token,
        "content_type": "application/webhook+json",
    }


def cmd_webhook_verify(req):
    import base64

    body = base64.b64decode(req["body_b64"], validate=True).decode("utf-8")
    receiver = api.WebhookReceiver(api.TokenVerifier(req["api_key"], req["api_secret"]))
    event = receiver.receive(body, req["authorization"])
    return {"event": MessageToDict(event)}


COMMANDS.update(
    {
        "webhook-sign": cmd_webhook_sign,
        "webhook-verify": cmd_webhook_verify,
    }
)


def handle(line: str):
    req = {}
    try:
        req = json.loads(line)
        command = COMMANDS.get(req.get("cmd"))
        if command is None:
            return {"id": req.get("id"), "ok": False, "error": f"unknown command {req.get('cmd')!r}"}
        result = command(req)
        result.update({"id": req.get("id"), "ok": True})
        return result
    except Exception as e:  # noqa: BLE001 - every failure is a result
        if "--debug" in sys.argv:
            traceback.print_exc(file=sys.stderr)
        return {"id": req.get("id"), "ok": False, "error": f"{type(e).__name__}: {e}"}


def main():
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps(handle(line), ensure_ascii=False) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
