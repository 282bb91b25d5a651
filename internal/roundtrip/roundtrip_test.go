package roundtrip

import (
	"io"
	"net"
	"testing"
)

// TestTurnTaking: several writes before the server answers are one round
// trip, and a write after a read starts the next; Reset starts over.
func TestTurnTaking(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	var c Counter
	conn := c.Wrap(client)
	defer conn.Close()
	go func() { // the server: reads three bytes, answers one, twice
		buf := make([]byte, 3)
		for range 2 {
			if _, err := io.ReadFull(server, buf); err != nil {
				return
			}
			server.Write([]byte{'R'})
		}
	}()
	one := make([]byte, 1)
	for trip := int64(1); trip <= 2; trip++ {
		for _, b := range []byte("abc") { // three writes, no wait between them
			if _, err := conn.Write([]byte{b}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := io.ReadFull(conn, one); err != nil {
			t.Fatal(err)
		}
		if got := c.Load(); got != trip {
			t.Fatalf("after %d exchanges: %d round trips", trip, got)
		}
	}
	c.Reset()
	if got := c.Load(); got != 0 {
		t.Fatalf("after Reset: %d", got)
	}
}
