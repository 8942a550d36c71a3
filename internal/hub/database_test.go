package hub

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenMetaErrors checks that start-up failures on PostgreSQL say where the hub tried to
// connect and what to check, and never print the password.
func TestOpenMetaErrors(t *testing.T) {
	const secret = "s3cret-Pa55word"
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		db   Database
		pg   bool     // needs VIGIL_TEST_PG
		want []string // substrings of the error
	}{
		{"not a URL", Database{URL: "host=db user=vigil password=" + secret}, false, []string{"--database", "postgres://"}},
		{"other scheme", Database{URL: "mysql://vigil:" + secret + "@db/vigil"}, false, []string{"--database"}},
		{"missing password file", Database{URL: "postgres://vigil@127.0.0.1/vigil", PasswordFile: filepath.Join(dir, "nope")}, false, []string{"--database-password-file"}},
		{"password file without postgres", Database{PasswordFile: pwFile}, false, []string{"needs --database"}},
		{"nothing listens", Database{URL: "postgres://vigil:" + secret + "@127.0.0.1:1/vigil?sslmode=disable"}, false,
			[]string{"127.0.0.1:1/vigil as user vigil", "is PostgreSQL running"}},
		{"wrong password in URL", Database{URL: pgWith(t, "vigil", secret, "")}, true, []string{"as user vigil", "password", "28P01"}},
		{"wrong password in file", Database{URL: pgWith(t, "vigil", "", ""), PasswordFile: pwFile}, true, []string{"as user vigil", "28P01"}},
		{"unknown database", Database{URL: pgWith(t, "", "", "vigil_no_such_db")}, true, []string{"/vigil_no_such_db as user", "createdb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.pg && os.Getenv("VIGIL_TEST_PG") == "" {
				t.Skip("VIGIL_TEST_PG not set: set it to a PostgreSQL URL to test start-up errors against a real server")
			}
			db, err := OpenMeta(context.Background(), tt.db, filepath.Join(dir, "data"))
			if err == nil {
				db.Close()
				t.Fatal("got no error, want one")
			}
			msg := err.Error()
			t.Log(msg)
			if strings.Contains(msg, secret) {
				t.Errorf("error shows the password: %s", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("got %q, want it to contain %q", msg, w)
				}
			}
		})
	}
}

// pgWith returns VIGIL_TEST_PG with its user, password or database replaced ("" keeps it; a
// password of "" with a non-empty user removes the password).
func pgWith(t *testing.T, user, password, database string) string {
	u, err := url.Parse(os.Getenv("VIGIL_TEST_PG"))
	if err != nil || os.Getenv("VIGIL_TEST_PG") == "" {
		return ""
	}
	if user != "" {
		if password != "" {
			u.User = url.UserPassword(user, password)
		} else {
			u.User = url.User(user)
		}
	}
	if database != "" {
		u.Path = "/" + database
	}
	return u.String()
}

// TestOpenMetaPostgres opens the store with the password taken from a file, as an operator
// keeping it off the command line would, and finds the schema usable.
func TestOpenMetaPostgres(t *testing.T) {
	dsn := os.Getenv("VIGIL_TEST_PG")
	if dsn == "" {
		t.Skip("VIGIL_TEST_PG not set: set it to a PostgreSQL URL to test the PostgreSQL backend")
	}
	u, _ := url.Parse(dsn)
	pw, _ := u.User.Password()
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte(pw+"\n"), 0o600)
	db, err := OpenMeta(context.Background(), Database{URL: pgWith(t, u.User.Username(), "", ""), PasswordFile: pwFile}, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Dialect() != "postgres" {
		t.Errorf("got dialect %q, want postgres", db.Dialect())
	}
	if err := db.SQL().PingContext(context.Background()); err != nil {
		t.Errorf("ping: %v", err)
	}
}
