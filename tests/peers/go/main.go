// Command protojson-oracle decodes protojson the way the LiveKit server's Go code does, for
// the differential tests of livekit-server-proto (crates/livekit-server-proto/tests/protojson_go.rs).
//
// It reads one request per line on stdin, {"type": "livekit.Room", "json": "<protojson>"},
// and writes one answer per line on stdout: {"ok": true, "json": "<canonical protojson>"}
// when google.golang.org/protobuf's protojson accepts the input (with DiscardUnknown, as the
// server's webhook and Twirp JSON readers use it), or {"ok": false, "error": "..."}.
//
// Built by `cargo xtask setup` into target/protojson-oracle/.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	_ "github.com/livekit/protocol/livekit"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

type request struct {
	Type string `json:"type"`
	JSON string `json:"json"`
}

type answer struct {
	OK    bool   `json:"ok"`
	JSON  string `json:"json,omitempty"`
	Error string `json:"error,omitempty"`
}

func decode(req request) answer {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(req.Type))
	if err != nil {
		return answer{Error: fmt.Sprintf("unknown message type %q: %v", req.Type, err)}
	}
	msg := mt.New().Interface()
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal([]byte(req.JSON), msg); err != nil {
		return answer{Error: err.Error()}
	}
	out, err := protojson.MarshalOptions{}.Marshal(msg)
	if err != nil {
		return answer{Error: "re-encoding: " + err.Error()}
	}
	return answer{OK: true, JSON: string(out)}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Fprintln(os.Stderr, "protojson-oracle: bad request line:", err)
			os.Exit(2)
		}
		if err := out.Encode(decode(req)); err != nil {
			fmt.Fprintln(os.Stderr, "protojson-oracle:", err)
			os.Exit(2)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "protojson-oracle:", err)
		os.Exit(2)
	}
}
