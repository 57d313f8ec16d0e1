// An independent verifier of an orgledger ledger log, built only on golang.org/x/mod/sumdb/note and
// golang.org/x/mod/sumdb/tlog (not on orgledger's code). It fetches the latest signed checkpoint,
// verifies its signature, rebuilds the root from the C2SP tiles and entry bundles, and checks the
// server's inclusion proofs (for the given record ids) and consistency proofs (for the given sizes).
//
// usage: verify <base url> <admin key> <verifier key> <log> <id,id,...> <size,size,...>
// Prints "ok <tree size>" or fails with exit status 1.
package main

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var base, key, vkey, logName string

func get(path string) []byte {
	req, _ := http.NewRequest("GET", base+"/v1/organization/ledger/"+logName+"/"+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		fail("GET %s: %d %s", path, res.StatusCode, body)
	}
	return body
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

// C2SP paths: tile/<L>/<N>[.p/<W>] (tlog's Path has the height 8 in it, which C2SP leaves out).
func tilePath(t tlog.Tile) string {
	return "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
}

// tileReader fetches tiles over HTTP and keeps those TileHashReader has verified (SaveTiles), so a
// tile is fetched once per run (at 65536 leaves, a read per leaf would be hundreds of thousands).
type tileReader struct{ saved map[tlog.Tile][]byte }

func (tileReader) Height() int { return 8 }
func (r tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {
	for i, t := range tiles {
		r.saved[t] = data[i]
	}
}
func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if b, ok := r.saved[t]; ok {
			out[i] = b
		} else {
			out[i] = get(tilePath(t))
		}
	}
	return out, nil
}

func hashOf(s string) tlog.Hash {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 32 {
		fail("bad hash %q", s)
	}
	copy(h[:], b)
	return h
}

func main() {
	if len(os.Args) != 7 {
		fail("usage: verify <url> <key> <vkey> <log> <ids> <sizes>")
	}
	base, key, vkey, logName = os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	msg := get("checkpoint")
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		fail("checkpoint body: %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("tree size: %v", err)
	}
	tree := tlog.Tree{N: size, Hash: hashOf(lines[2])}

	// The root from the hash tiles (tlog.TileHashReader checks every tile against the tree hash).
	reader := tlog.TileHashReader(tree, tileReader{saved: map[tlog.Tile][]byte{}})
	root, err := tlog.TreeHash(size, reader)
	if err != nil || root != tree.Hash {
		fail("tree hash from tiles: %v %v != %v", err, root, tree.Hash)
	}

	// Every entry bundle: each leaf's record hash must be the tile's level-0 hash.
	for start := int64(0); start < size; start += 256 {
		w := size - start
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: 8, L: 0, N: start / 256, W: int(w)}
		bundle := get("tile/entries/" + strings.TrimPrefix(t.Path(), "tile/8/0/"))
		indexes := make([]int64, w)
		for i := range indexes {
			indexes[i] = tlog.StoredHashIndex(0, start+int64(i))
		}
		want, err := reader.ReadHashes(indexes)
		if err != nil {
			fail("level-0 hashes of bundle %d: %v", t.N, err)
		}
		for i := int64(0); i < w; i++ {
			if len(bundle) < 2 {
				fail("entry bundle %d is short", t.N)
			}
			l := int(binary.BigEndian.Uint16(bundle))
			data := bundle[2 : 2+l]
			bundle = bundle[2+l:]
			if tlog.RecordHash(data) != want[i] {
				fail("leaf %d: entry data does not hash to the tile's hash", start+i)
			}
		}
		if len(bundle) != 0 {
			fail("entry bundle %d has trailing bytes", t.N)
		}
	}

	// The server's inclusion proofs, checked by tlog.CheckRecord.
	if os.Args[5] != "" {
		for _, id := range strings.Split(os.Args[5], ",") {
			var p struct {
				LeafIndex int64    `json:"leaf_index"`
				TreeSize  int64    `json:"tree_size"`
				Hashes    []string `json:"hashes"`
			}
			if err := json.Unmarshal(get("proof/inclusion?id="+id), &p); err != nil {
				fail("inclusion proof of %s: %v", id, err)
			}
			proof := tlog.RecordProof{}
			for _, h := range p.Hashes {
				proof = append(proof, hashOf(h))
			}
			leaf, err := reader.ReadHashes([]int64{tlog.StoredHashIndex(0, p.LeafIndex)})
			if err != nil {
				fail("leaf hash: %v", err)
			}
			if err := tlog.CheckRecord(proof, p.TreeSize, tree.Hash, p.LeafIndex, leaf[0]); err != nil || p.TreeSize != size {
				fail("inclusion proof of %s (leaf %d): %v", id, p.LeafIndex, err)
			}
		}
	}

	// The server's consistency proofs from each older size to the checkpoint, checked by tlog.CheckTree.
	if os.Args[6] != "" {
		for _, s := range strings.Split(os.Args[6], ",") {
			first, _ := strconv.ParseInt(s, 10, 64)
			var p struct {
				Hashes []string `json:"hashes"`
			}
			if err := json.Unmarshal(get(fmt.Sprintf("proof/consistency?first=%d&second=%d", first, size)), &p); err != nil {
				fail("consistency proof: %v", err)
			}
			proof := tlog.TreeProof{}
			for _, h := range p.Hashes {
				proof = append(proof, hashOf(h))
			}
			old, err := tlog.TreeHash(first, reader)
			if err != nil {
				fail("tree hash %d: %v", first, err)
			}
			if err := tlog.CheckTree(proof, size, tree.Hash, first, old); err != nil {
				fail("consistency %d -> %d: %v", first, size, err)
			}
		}
	}
	fmt.Printf("ok %d\n", size)
}
