package wrapper

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
)

// retryAfter is how long a failed renewal is not tried again with the
// same identity: an Azure CLI that hangs, or an Azure AD that refuses,
// would otherwise hold up every pull for as long as the renewal's timeout.
const retryAfter = 5 * time.Minute

// failureMemo is the last failed renewal for a registry: a file in the
// state directory, dated by its modification time, holding a salted hash
// of the identity it failed with, then the reason. A changed identity (a
// corrected secret, an az login since) is tried at once.
type failureMemo struct {
	path     string
	identity func() []byte
}

func (env *settings) failureMemo(host string) failureMemo {
	dir, ok := statedir.Dir(env.getenv)
	if !ok {
		return failureMemo{}
	}
	return failureMemo{path: filepath.Join(dir, "locks", "renew-"+host+".failed"), identity: env.identity}
}

// identity is what renewal authenticates with: the variables azidentity
// reads, and the state of the files they and the Azure CLI keep (a
// workload identity's token file is rewritten as it rotates; az login
// rewrites its profile and token cache).
func (env *settings) identity() []byte {
	var b strings.Builder
	for _, k := range []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
		"AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST", "AZURE_TOKEN_CREDENTIALS",
		"IDENTITY_ENDPOINT", "MSI_ENDPOINT", "AZURE_CONFIG_DIR", "PATH"} {
		fmt.Fprintf(&b, "%s=%s\x00", k, env.getenv(k))
	}
	azDir := env.getenv("AZURE_CONFIG_DIR")
	if azDir == "" {
		azDir = filepath.Join(statedir.Home(env.getenv), ".azure")
	}
	for _, f := range []string{env.getenv("AZURE_CLIENT_CERTIFICATE_PATH"), env.getenv("AZURE_FEDERATED_TOKEN_FILE"),
		filepath.Join(azDir, "azureProfile.json"), filepath.Join(azDir, "msal_token_cache.json"), filepath.Join(azDir, "msal_token_cache.bin")} {
		if fi, err := os.Stat(f); f != "" && err == nil {
			fmt.Fprintf(&b, "%s %d %d\x00", f, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return []byte(b.String())
}

func (m failureMemo) stamp(salt []byte) string {
	h := sha256.New()
	h.Write(salt)
	h.Write(m.identity())
	return hex.EncodeToString(salt) + " " + hex.EncodeToString(h.Sum(nil))
}

// recent is the memo's failure, when it is younger than retryAfter and
// was with the identity there is now.
func (m failureMemo) recent() error {
	if m.path == "" {
		return nil
	}
	f, err := statedir.OpenFile(m.path, os.O_RDONLY, 0)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || time.Since(fi.ModTime()) > retryAfter || time.Since(fi.ModTime()) < 0 {
		return nil
	}
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return nil
	}
	saltHex, _, _ := strings.Cut(sc.Text(), " ")
	salt, err := hex.DecodeString(saltHex)
	if err != nil || len(salt) == 0 || m.stamp(salt) != sc.Text() || !sc.Scan() {
		return nil
	}
	return &recentFailure{reason: sc.Text(), at: fi.ModTime()}
}

// recentFailure is a renewal not tried because the last one failed.
type recentFailure struct {
	reason string // renewReason's, as it was
	at     time.Time
}

func (e *recentFailure) Error() string {
	const clock = "15:04:05 UTC"
	return fmt.Sprintf("%s (at %s; not tried again before %s)", e.reason, e.at.UTC().Format(clock), e.at.Add(retryAfter).UTC().Format(clock))
}

func (m failureMemo) record(err error) {
	if m.path == "" {
		return
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	f, ferr := statedir.OpenFile(m.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if ferr != nil {
		return
	}
	fmt.Fprintf(f, "%s\n%s\n", m.stamp(salt), renewReason(err))
	f.Close()
}

func (m failureMemo) clear() {
	if m.path != "" {
		os.Remove(m.path)
	}
}
