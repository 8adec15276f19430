"""A tiny OpenAI-compatible server for tests: `python openai_stub_server.py SCRIPT.json LOG.jsonl`.

SCRIPT is a list of replies served in order (the last one repeats): {"status": 200, "content": "..."} for a normal
chat completion, {"status": 500, "body": "..."} for a raw body, optional "delay" seconds and "headers". Every
request is appended to LOG as one JSON line {"path", "headers", "body", "at"} when it arrives (`at`: time.time()). Binds 127.0.0.1 on a free port and prints
the port on the first line of stdout.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    script = json.load(open(sys.argv[1]))
    log_path = sys.argv[2]
    lock = threading.Lock()
    served = [0]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            arrived = time.time()
            with lock:
                step = script[min(served[0], len(script) - 1)]
                served[0] += 1
                with open(log_path, "a") as log:
                    log.write(json.dumps({"path": self.path, "headers": dict(self.headers), "body": body.decode(),
                                          "at": arrived}) + "\n")
            time.sleep(step.get("delay", 0))
            if "content" in step:
                payload = json.dumps({"id": "x", "object": "chat.completion", "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": step["content"]}, "finish_reason": "stop"}]})
            else:
                payload = step.get("body", "")
            data = payload.encode()
            try:
                self.send_response(step.get("status", 200))
                for key, value in step.get("headers", {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
