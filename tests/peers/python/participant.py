#!/usr/bin/env python3
"""A scripted LiveKit participant for the integration tests (driven by tests/src/participant.rs).

Two modes:

  participant.py token --identity ID --room ROOM [--name NAME] [--ttl SECONDS]
      Prints a join token minted with the Python `livekit-api` package from LIVEKIT_API_KEY and
      LIVEKIT_API_SECRET (an independent implementation to check our own tokens against).

  participant.py join --url URL --token TOKEN [--no-audio] [--max-seconds N]
      Joins the room with the `livekit` RTC package, publishes a 440 Hz sine tone as an audio
      track and registers the RPC method `echo` (returns its payload) and a stand-in for a SIP
      participant's `lk.sip.GetRemoteHeaders` and `lk.sip.EndCall`. Events are printed on
      stdout as JSON lines, one object each with an "event" key:
        connected {identity, sid, room}          track_published {sid, name, kind}
        participant_connected {identity}         participant_disconnected {identity}
        track_subscribed {sid, participant}      data_received {payload, topic, from}
        rpc_called {method, payload, caller}     rpc_result {id, payload} / rpc_error {id, code, message}
        data_sent {id}                           disconnected {reason}
        track_muted {sid, participant}           track_unmuted {sid, participant}
        track_unsubscribed {sid, participant}    room_metadata_changed {old, new}
        participant_metadata_changed {identity, old, new}
        participant_name_changed {identity, old, new}
        participant_attributes_changed {identity, changed}
        connect_failed {message}   (then the script exits with status 2: the server refused
                                    the token, or could not be reached)
        error {message}
      Commands are read on stdin, one JSON object a line:
        {"cmd": "leave"}
        {"cmd": "send_data", "payload": "...", "topic": "...", "to": ["identity", ...], "id": "..."}
        {"cmd": "perform_rpc", "to": "identity", "method": "echo", "payload": "...", "id": "..."}
        {"cmd": "stats", "id": "..."}   -> stats {id, frames: {track sid: audio frames received}}
      End of stdin means "leave", so the participant never outlives the test that started it;
      --max-seconds (default 600) bounds its life in any case.

Diagnostics go to stderr; stdout carries only the JSON lines.
"""

import argparse
import asyncio
import json
import math
import os
import sys
import threading

SAMPLE_RATE = 48000
CHANNELS = 1
FRAME_MS = 10
TONE_HZ = 440.0


def emit(event, **fields):
    fields = {"event": event, **fields}
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def log(message):
    sys.stderr.write(f"participant: {message}\n")
    sys.stderr.flush()


def mint_token(args):
    from livekit import api

    key = os.environ.get("LIVEKIT_API_KEY")
    secret = os.environ.get("LIVEKIT_API_SECRET")
    if not key or not secret:
        sys.exit("participant.py token: LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be set")
    import datetime

    token = (
        api.AccessToken(key, secret)
        .with_identity(args.identity)
        .with_name(args.name or args.identity)
        .with_ttl(datetime.timedelta(seconds=args.ttl))
        .with_grants(api.VideoGrants(room_join=True, room=args.room))
    )
    print(token.to_jwt())


def ws_url(url):
    if url.startswith("http://"):
        return "ws://" + url[len("http://") :]
    if url.startswith("https://"):
        return "wss://" + url[len("https://") :]
    return url


async def play_tone(source, stop):
    from livekit import rtc

    samples = SAMPLE_RATE * FRAME_MS // 1000
    phase = 0.0
    step = 2.0 * math.pi * TONE_HZ / SAMPLE_RATE
    while not stop.is_set():
        frame = rtc.AudioFrame.create(SAMPLE_RATE, CHANNELS, samples)
        data = frame.data
        for i in range(samples):
            data[i] = int(8000 * math.sin(phase))
            phase += step
        phase %= 2.0 * math.pi
        # capture_frame waits while the source's queue is full, which paces this loop in real time.
        await source.capture_frame(frame)


def read_commands(loop, queue):
    """Reads stdin in a thread (portable, unlike asyncio pipes on every platform)."""
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            command = json.loads(line)
        except json.JSONDecodeError as error:
            log(f"ignoring a command that is not JSON ({error}): {line}")
            continue
        loop.call_soon_threadsafe(queue.put_nowait, command)
    loop.call_soon_threadsafe(queue.put_nowait, {"cmd": "leave", "why": "end of stdin"})


async def join(args):
    from livekit import rtc

    room = rtc.Room()
    done = asyncio.Event()
    # Audio frames received per subscribed track: shows whether media really flows.
    frames = {}

    async def count_frames(track, sid):
        stream = rtc.AudioStream(track)
        try:
            async for _ in stream:
                frames[sid] = frames.get(sid, 0) + 1
        except Exception as error:  # the track went away
            log(f"audio stream of {sid} ended: {error}")
        finally:
            await stream.aclose()

    @room.on("participant_connected")
    def _on_participant_connected(participant):
        emit("participant_connected", identity=participant.identity)

    @room.on("participant_disconnected")
    def _on_participant_disconnected(participant):
        emit("participant_disconnected", identity=participant.identity)

    @room.on("track_subscribed")
    def _on_track_subscribed(track, publication, participant):
        emit("track_subscribed", sid=publication.sid, participant=participant.identity)
        if track.kind == rtc.TrackKind.KIND_AUDIO:
            frames.setdefault(publication.sid, 0)
            asyncio.ensure_future(count_frames(track, publication.sid))

    @room.on("track_unsubscribed")
    def _on_track_unsubscribed(track, publication, participant):
        emit("track_unsubscribed", sid=publication.sid, participant=participant.identity)

    @room.on("track_muted")
    def _on_track_muted(participant, publication):
        emit("track_muted", sid=publication.sid, participant=participant.identity)

    @room.on("track_unmuted")
    def _on_track_unmuted(participant, publication):
        emit("track_unmuted", sid=publication.sid, participant=participant.identity)

    @room.on("room_metadata_changed")
    def _on_room_metadata_changed(old_metadata, new_metadata):
        emit("room_metadata_changed", old=old_metadata, new=new_metadata)

    @room.on("participant_metadata_changed")
    def _on_participant_metadata_changed(participant, old_metadata, new_metadata):
        emit(
            "participant_metadata_changed",
            identity=participant.identity,
            old=old_metadata,
            new=new_metadata,
        )

    @room.on("participant_name_changed")
    def _on_participant_name_changed(participant, old_name, new_name):
        emit("participant_name_changed", identity=participant.identity, old=old_name, new=new_name)

    @room.on("participant_attributes_changed")
    def _on_participant_attributes_changed(changed_attributes, participant):
        emit(
            "participant_attributes_changed",
            identity=participant.identity,
            changed=dict(changed_attributes),
        )

    @room.on("data_received")
    def _on_data_received(packet):
        sender = packet.participant.identity if packet.participant is not None else None
        emit(
            "data_received",
            payload=packet.data.decode("utf-8", errors="replace"),
            topic=packet.topic,
            **{"from": sender},
        )

    @room.on("disconnected")
    def _on_disconnected(reason):
        try:
            name = rtc.DisconnectReason.Name(reason)
        except ValueError:
            name = str(reason)
        emit("disconnected", reason=name)
        done.set()

    try:
        await room.connect(ws_url(args.url), args.token, rtc.RoomOptions(auto_subscribe=True))
    except Exception as error:  # the token was refused, or the server is unreachable
        emit("connect_failed", message=f"{type(error).__name__}: {error}")
        sys.stderr.flush()
        # Exit at once: tearing the interpreter down under the native client's threads after a
        # failed connect has been seen to end in a signal instead of this status.
        os._exit(2)
    local = room.local_participant
    emit("connected", identity=local.identity, sid=local.sid, room=room.name)

    def echo(data):
        emit("rpc_called", method=data.method, payload=data.payload, caller=data.caller_identity)
        return data.payload

    local.register_rpc_method("echo", echo)

    # A stand-in for the SIP bridge's side of `SIPParticipantV1` (the methods a SIP
    # participant answers), to drive the SDK's helpers through the real server: the headers of
    # a pretend call, filtered by the request's include/exclude lists, and a hang-up that
    # reports the headers it was given.
    call_headers = {"X-Call-Id": "call-42", "P-Asserted-Identity": "<sip:alice@example.com>"}

    def get_remote_headers(data):
        emit("rpc_called", method=data.method, payload=data.payload, caller=data.caller_identity)
        request = json.loads(data.payload or "{}")
        include = request.get("include") or []
        exclude = request.get("exclude") or []
        headers = {
            name: value
            for name, value in call_headers.items()
            if (not include or name in include) and name not in exclude
        }
        return json.dumps({"headers": headers})

    def end_call(data):
        emit("rpc_called", method=data.method, payload=data.payload, caller=data.caller_identity)
        return ""

    local.register_rpc_method("lk.sip.GetRemoteHeaders", get_remote_headers)
    local.register_rpc_method("lk.sip.EndCall", end_call)

    stop = asyncio.Event()
    tone = None
    if not args.no_audio:
        source = rtc.AudioSource(SAMPLE_RATE, CHANNELS)
        track = rtc.LocalAudioTrack.create_audio_track("tone", source)
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        publication = await local.publish_track(track, options)
        tone = asyncio.ensure_future(play_tone(source, stop))
        emit("track_published", sid=publication.sid, name=publication.name, kind="audio")

    queue = asyncio.Queue()
    loop = asyncio.get_running_loop()
    threading.Thread(target=read_commands, args=(loop, queue), daemon=True).start()

    async def run_command(command):
        cmd = command.get("cmd")
        ident = command.get("id")
        if cmd == "send_data":
            await local.publish_data(
                command.get("payload", ""),
                reliable=True,
                destination_identities=command.get("to", []),
                topic=command.get("topic", ""),
            )
            emit("data_sent", id=ident)
        elif cmd == "perform_rpc":
            try:
                answer = await local.perform_rpc(
                    destination_identity=command["to"],
                    method=command.get("method", "echo"),
                    payload=command.get("payload", ""),
                )
                emit("rpc_result", id=ident, payload=answer)
            except rtc.RpcError as error:
                emit("rpc_error", id=ident, code=error.code, message=error.message)
        elif cmd == "stats":
            emit("stats", id=ident, frames=dict(frames))
        else:
            emit("error", message=f"unknown command {cmd!r}")

    async def commands():
        while True:
            command = await queue.get()
            if command.get("cmd") == "leave":
                return
            try:
                await run_command(command)
            except Exception as error:  # reported to the test, which decides
                emit("error", message=f"{command.get('cmd')}: {error}")

    waiter = asyncio.ensure_future(commands())
    closed = asyncio.ensure_future(done.wait())
    finished, _ = await asyncio.wait(
        [waiter, closed], timeout=args.max_seconds, return_when=asyncio.FIRST_COMPLETED
    )
    if not finished:
        log(f"--max-seconds {args.max_seconds} reached, leaving")
    stop.set()
    if tone is not None:
        tone.cancel()
        try:
            await tone
        except asyncio.CancelledError:
            pass
    if not done.is_set():
        await room.disconnect()
        # The "disconnected" event fires from disconnect(); make sure it is printed once.
        if not done.is_set():
            emit("disconnected", reason="CLIENT_INITIATED")
    for task in (waiter, closed):
        task.cancel()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    token = sub.add_parser("token", help="print a join token")
    token.add_argument("--identity", required=True)
    token.add_argument("--room", required=True)
    token.add_argument("--name")
    token.add_argument("--ttl", type=int, default=600)
    joiner = sub.add_parser("join", help="join a room and print events")
    joiner.add_argument("--url", required=True)
    joiner.add_argument("--token", required=True)
    joiner.add_argument("--no-audio", action="store_true")
    joiner.add_argument("--max-seconds", type=float, default=600.0)
    args = parser.parse_args()

    if args.mode == "token":
        mint_token(args)
        return
    try:
        asyncio.run(join(args))
    except Exception as error:
        emit("error", message=f"{type(error).__name__}: {error}")
        sys.exit(1)


if __name__ == "__main__":
    main()
