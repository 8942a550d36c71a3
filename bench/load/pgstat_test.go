package main

import "testing"

func TestBackendOf(t *testing.T) {
	tests := []struct{ name, title, want string }{
		{"debian cluster name", "postgres: 15/main: vigil vigil_load 127.0.0.1(51234) idle", "vigil_load"},
		{"no cluster name", "postgres: vigil vigil_load [local] idle in transaction", "vigil_load"},
		{"background process", "postgres: 15/main: checkpointer ", ""},
		{"postmaster", "/usr/lib/postgresql/15/bin/postgres\x00-D\x00/var/lib/postgresql/15/main", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := backendOf(tt.title); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
