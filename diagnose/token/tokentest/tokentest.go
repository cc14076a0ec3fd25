// Package tokentest mints tokens shaped like the ones ACR and Azure AD
// issue, signed RS256 by a local key. Tests across the project use it, and
// so does the ACR emulator, which serves them over real HTTPS.
//
// The claim sets follow real tokens decoded from public pastes
// (acr-protocol.md §2). The functions return plain maps so a test can bend
// them (lower-case permission keys, a missing exp) before signing.
package tokentest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// Lifetimes of the tokens as issued, exp − iat.
const (
	RefreshLifetime = 11700 * time.Second // 3h15m, every real sample since 2019
	AccessLifetime  = 4500 * time.Second  // 75m
	AADLifetime     = 3900 * time.Second  // 65m, as seen in Azure CLI tokens
)

// AzureCLIAppID is the Azure CLI's well-known client id, the `appid` of the
// tokens `az acr login` gets.
const AzureCLIAppID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

// ACRIssuer is the `iss` of every ACR token.
const ACRIssuer = "Azure Container Registry"

// Signer signs tokens with an RSA key, naming it in the header the way ACR
// does.
type Signer struct {
	key *rsa.PrivateKey
	kid string
}

// NewSigner makes a Signer with a fresh 2048-bit key. That takes a while;
// tests should share Default.
func NewSigner() (*Signer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("tokentest: generating a key: %w", err)
	}
	kid, err := keyID(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	return &Signer{key: key, kid: kid}, nil
}

// Default is a Signer made once per process, for tests to share.
var Default = sync.OnceValue(func() *Signer {
	s, err := NewSigner()
	if err != nil {
		panic(err)
	}
	return s
})

// keyID is Docker libtrust's key id, the form of ACR's `kid`: the SHA-256 of
// the DER public key cut to 240 bits, in base32, as 12 groups of 4
// characters joined by ':'.
func keyID(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("tokentest: encoding the public key: %w", err)
	}
	sum := sha256.Sum256(der)
	b32 := base32.StdEncoding.EncodeToString(sum[:30])
	groups := make([]string, 0, 12)
	for i := 0; i < len(b32); i += 4 {
		groups = append(groups, b32[i:i+4])
	}
	return strings.Join(groups, ":"), nil
}

// Sign returns claims as a compact JWS, header {"alg":"RS256","kid":…,"typ":"JWT"}.
// It panics if claims cannot be marshalled to JSON, which is a bug in the
// caller.
func (s *Signer) Sign(claims map[string]any) string {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(claims))
	t.Header["kid"] = s.kid
	signed, err := t.SignedString(s.key)
	if err != nil {
		panic(fmt.Sprintf("tokentest: signing: %v", err))
	}
	return signed
}

// PublicKey is the key that verifies what s signs.
func (s *Signer) PublicKey() *rsa.PublicKey { return &s.key.PublicKey }

// KeyID is the `kid` s puts in headers.
func (s *Signer) KeyID() string { return s.kid }

// ACRRefresh returns the claims of an ACR refresh token for host, issued at
// iat to subject (a UPN, or an app id for a service principal) in tenant,
// with the registry actions its roles allow ("read", "write", "delete",
// "deleted/read", …). As in tokens since 2022: capitalised permission keys,
// NotActions null, nbf = iat.
func ACRRefresh(host, subject, tenant string, iat time.Time, actions ...string) map[string]any {
	c := acr(host, subject, tenant, iat, RefreshLifetime, "refresh_token")
	if actions == nil {
		actions = []string{}
	}
	c["permissions"] = map[string]any{"Actions": actions, "NotActions": nil}
	return c
}

// ACRAccess returns the claims of an ACR access token for host, granting
// access. With no access it grants nothing, as ACR answers an
// authenticated caller without permission.
func ACRAccess(host, subject, tenant string, iat time.Time, access ...token.Access) map[string]any {
	c := acr(host, subject, tenant, iat, AccessLifetime, "access_token")
	list := make([]any, 0, len(access))
	for _, a := range access {
		actions := a.Actions
		if actions == nil {
			actions = []string{}
		}
		list = append(list, map[string]any{"type": a.Type, "name": a.Name, "actions": actions})
	}
	c["access"] = list
	return c
}

func acr(host, subject, tenant string, iat time.Time, life time.Duration, grant string) map[string]any {
	return map[string]any{
		"jti":        guid(),
		"sub":        subject,
		"nbf":        iat.Unix(),
		"exp":        iat.Add(life).Unix(),
		"iat":        iat.Unix(),
		"iss":        ACRIssuer,
		"aud":        host,
		"version":    "1.0",
		"rid":        hex.EncodeToString(random(16)),
		"grant_type": grant,
		"appid":      AzureCLIAppID,
		"tenant":     tenant,
		"roles":      []string{},
	}
}

// AAD returns the claims of a v1 Azure AD access token for Azure Resource
// Manager, as `az account get-access-token` prints and `az acr login`
// exchanges, for user upn in tenant. For a v2 token, or another cloud,
// change iss (https://login.microsoftonline.com/<tid>/v2.0), replace appid
// by azp and upn by preferred_username, and set ver to "2.0".
func AAD(tenant, upn string, iat time.Time) map[string]any {
	return map[string]any{
		"aud":         "https://management.core.windows.net/",
		"iss":         "https://sts.windows.net/" + tenant + "/",
		"iat":         iat.Unix(),
		"nbf":         iat.Unix(),
		"exp":         iat.Add(AADLifetime).Unix(),
		"acr":         "1",
		"amr":         []string{"pwd", "mfa"},
		"appid":       AzureCLIAppID,
		"appidacr":    "0",
		"idtyp":       "user",
		"oid":         guid(),
		"scp":         "user_impersonation",
		"sub":         base64.RawURLEncoding.EncodeToString(random(32)),
		"tid":         tenant,
		"unique_name": upn,
		"upn":         upn,
		"uti":         base64.RawURLEncoding.EncodeToString(random(16)),
		"ver":         "1.0",
	}
}

// guid is a random (version 4) GUID.
func guid() string {
	b := random(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return b
}
