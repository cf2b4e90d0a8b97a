#!/usr/bin/env python3
"""An InfraKit Instance plugin in Python, standard library only, run by infrakit-ts as an external plugin.

It speaks InfraKit's wire: JSON-RPC 2.0 over HTTP POST / on a unix socket at
$INFRAKIT_PLUGINS_DIR/<name> (default $INFRAKIT_HOME/plugins/<name>), answering the handshake
Plugin.Implements and Instance.Validate/Provision/Label/Destroy/DescribeInstances. Its instances
live in memory, like a toy cloud: when the process dies they vanish with it, and a group managing
them provisions them again once the plugin is back.

    python3 instance_plugin.py --name pyinst [--leave-socket]

--leave-socket: on SIGTERM, exit without removing the socket file (as a careless plugin would).
"""
import argparse
import json
import os
import signal
import socketserver
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler

MAX_BODY = 4 * 1024 * 1024
INTERFACES = [{"Name": "Instance", "Version": "0.6.1"}]

instances = {}  # ID -> {"ID", "LogicalID", "Tags", "Properties"}
lock = threading.Lock()


class PluginError(Exception):
    """An application error: JSON-RPC code -32000 with the message, as Go plugins answer."""


def log(stream, text):
    stream.write(text + "\n")
    stream.flush()


def implements(_params):
    return {"Interfaces": INTERFACES, "APIs": INTERFACES}


def validate(params):
    return {"Type": params.get("Type", ""), "OK": True}


def provision(params):
    spec = params.get("Spec") or {}
    iid = "py-" + uuid.uuid4().hex[:12]
    with lock:
        instances[iid] = {
            "ID": iid,
            "LogicalID": spec.get("LogicalID"),
            "Tags": dict(spec.get("Tags") or {}),
            "Properties": spec.get("Properties"),
        }
    log(sys.stdout, "provisioned " + iid)
    return {"Type": params.get("Type", ""), "ID": iid}


def label(params):
    iid = params.get("Instance", "")
    with lock:
        inst = instances.get(iid)
        if inst is None:
            raise PluginError("instance " + iid + " not found")
        inst["Tags"].update(params.get("Labels") or {})
    return {"Type": params.get("Type", ""), "OK": True}


def destroy(params):
    iid = params.get("Instance", "")
    with lock:
        if instances.pop(iid, None) is None:
            raise PluginError("instance " + iid + " not found")
    log(sys.stdout, "destroyed " + iid)
    return {"Type": params.get("Type", ""), "OK": True}


def describe(params):
    want = params.get("Tags") or {}
    with_props = params.get("Properties") is True
    out = []
    with lock:
        for inst in instances.values():
            if all(inst["Tags"].get(k) == v for k, v in want.items()):
                d = {"ID": inst["ID"], "LogicalID": inst["LogicalID"], "Tags": dict(inst["Tags"])}
                if with_props:
                    d["Properties"] = inst["Properties"]
                out.append(d)
    return {"Type": params.get("Type", ""), "Descriptions": out}


METHODS = {
    "Plugin.Implements": implements,
    "Instance.Validate": validate,
    "Instance.Provision": provision,
    "Instance.Label": label,
    "Instance.Destroy": destroy,
    "Instance.DescribeInstances": describe,
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # the default writes the client address, which a unix socket has not
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            return self.reply(413, {"error": "request body larger than %d bytes" % MAX_BODY})
        try:
            req = json.loads(self.rfile.read(length) or b"null")
        except ValueError as e:
            return self.reply(200, {"jsonrpc": "2.0", "error": {"code": -32700, "message": str(e)}, "id": None})
        if not isinstance(req, dict):
            return self.reply(200, {"jsonrpc": "2.0", "error": {"code": -32600, "message": "not a request"}, "id": None})
        rid = req.get("id")
        fn = METHODS.get(req.get("method"))
        if fn is None:
            err = {"code": -32601, "message": 'rpc: can\'t find method "%s"' % req.get("method")}
            return self.reply(200, {"jsonrpc": "2.0", "error": err, "id": rid})
        params = req.get("params")
        if isinstance(params, list):  # Go's client sends [params]
            params = params[0] if params else {}
        try:
            result = fn(params if isinstance(params, dict) else {})
        except PluginError as e:
            return self.reply(200, {"jsonrpc": "2.0", "error": {"code": -32000, "message": str(e)}, "id": rid})
        self.reply(200, {"jsonrpc": "2.0", "result": result, "id": rid})

    def do_GET(self):
        self.reply(405, {"error": "rpc: POST method required, received GET"})


class Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", default="pyinst", help="socket name in the plugins dir")
    ap.add_argument("--leave-socket", action="store_true", help="on SIGTERM, leave the socket file behind")
    args = ap.parse_args()
    home = os.environ.get("INFRAKIT_HOME") or os.path.expanduser("~/.infrakit")
    plugins = os.environ.get("INFRAKIT_PLUGINS_DIR") or os.path.join(home, "plugins")
    os.makedirs(plugins, mode=0o700, exist_ok=True)
    path = os.path.join(plugins, args.name)
    if os.path.exists(path):
        os.unlink(path)  # a stale socket: whoever started us checked that nobody answers on it
    server = Server(path, Handler)
    os.chmod(path, 0o600)

    def on_term(_sig, _frame):
        if not args.leave_socket:
            try:
                os.unlink(path)
            except OSError:
                pass
        log(sys.stderr, "terminated")
        os._exit(0)

    signal.signal(signal.SIGTERM, on_term)
    log(sys.stderr, "listening on %s (pid %d)" % (path, os.getpid()))
    server.serve_forever()


if __name__ == "__main__":
    main()
