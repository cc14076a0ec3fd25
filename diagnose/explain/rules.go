package explain

import (
	"strings"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
)

// fixes is the remediation of each cause of the catalogue, filled in with
// the registry the finding names.
var fixes = map[cause.ID]func(host, name string) []string{
	cause.RegistryName:           fixName,
	cause.NetworkUnreachable:     fixNetwork,
	cause.NetworkFirewall:        fixFirewall,
	cause.TLS:                    fixTLS,
	cause.InvalidCredentials:     fixCredentials,
	cause.AADNotRegistered:       fixAAD,
	cause.ExpiredCredentials:     fixExpired,
	cause.InsufficientPermission: fixRole,
	cause.AnonymousPullBlocked:   fixAnonymous,
	cause.DockerEnvironment:      fixDocker,
	cause.CredentialStore:        fixStore,
	cause.ClockSkew:              fixClock,
	cause.Throttled:              fixThrottled,
	cause.RegistryError:          fixServer,
}

// Remediation, filled in with the login server (host) and the resource
// name az takes (name), or "<registry>" and "<name>" when the text names
// none. Each goes into a command through diagnose/shell, checked against
// its shape: a value without it leaves the placeholder. Most likely fix
// first.

// args are host and name as command words: host with a port for docker,
// bare for openssl and certs.d, and the registry name.
func args(host, name string) (hostPort, bare, reg shell.Arg) {
	return shell.HostPort(host).Or("<registry>"), shell.Host(host).Or("<registry>"), shell.RegistryName(name).Or("<name>")
}

func fixName(host, name string) []string {
	h, _, n := args(host, name)
	return []string{
		shell.Sprintf("use the login server in lower case, without scheme, port or path, e.g. docker login %s", h),
		shell.Sprintf("az acr show -n %s --query loginServer -o tsv   # the exact login server", n),
		`az acr list --query "[].loginServer" -o tsv   # the registries you can see`,
	}
}

// fixNoImage is the remediation of a reference the registry answered
// it holds nothing under: the login worked, the name or tag is wrong.
func fixNoImage(host, name, repo string, acr bool) []string {
	fix := []string{"check the repository and the tag or digest in the image reference: tags are case-sensitive, and no tag means :latest; was the image pushed?"}
	if acr {
		_, _, n := args(host, name)
		fix = append(fix, shell.Sprintf("az acr repository show-tags -n %s --repository %s -o tsv   # the tags it holds", n, shell.Repository(repo).Or("<repository>")))
	}
	return fix
}

// repository is the repository of host that line names, in a reference
// (host/repo:tag, host/repo@digest) or a URL (host/v2/repo/manifests/…),
// or "".
func repository(line, host string) string {
	if host == "" {
		return ""
	}
	lo := strings.ToLower(line)
	for off, n := 0, 0; n < perLine; n++ {
		j := strings.Index(lo[off:], host+"/")
		if j < 0 {
			return ""
		}
		j += off
		if j > 0 && isHostByte(lo[j-1]) {
			off = j + 1 // the end of another host: other.myreg.azurecr.io
			continue
		}
		rest := lo[j+len(host)+1:]
		if end := strings.IndexFunc(rest, func(r rune) bool {
			return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || strings.ContainsRune("._-/", r))
		}); end >= 0 {
			rest = rest[:end]
		}
		if v2, ok := strings.CutPrefix(rest, "v2/"); ok {
			rest, _, _ = strings.Cut(v2, "/manifests/")
		}
		return rest
	}
	return ""
}

// fixClusterPull is the remediation of a node's pull that ACR refused:
// the kubelet pulls with the cluster's identity or the pod's pull
// secret, not with anyone's docker login.
func fixClusterPull(host, name string) []string {
	h, _, n := args(host, name)
	return []string{
		shell.Sprintf("on AKS, let the cluster's kubelet identity pull: az aks update -n %s -g %s --attach-acr %s", shell.Placeholder("<cluster>"), shell.Placeholder("<group>"), n),
		shell.Sprintf("elsewhere, give the pod a pull secret: kubectl create secret docker-registry acr-pull --docker-server %s --docker-username %s --docker-password %s, and imagePullSecrets: [{name: acr-pull}]",
			h, shell.Placeholder("<username>"), shell.Placeholder("<password>")),
		shell.Sprintf("az aks check-acr -n %s -g %s --acr %s", shell.Placeholder("<cluster>"), shell.Placeholder("<group>"), h),
	}
}

func fixNetwork(host, name string) []string {
	_, h, n := args(host, name)
	return []string{
		shell.Sprintf("check DNS and outbound TCP 443 to %s and its data endpoints: az acr show-endpoints -n %s", h, n),
		"behind a proxy, set HTTPS_PROXY for the Docker daemon as well as the shell",
		shell.Sprintf("az acr check-health -n %s --yes --ignore-errors", n),
	}
}

func fixFirewall(host, name string) []string {
	_, h, n := args(host, name)
	return []string{
		shell.Sprintf(`az acr show -n %s --query "{publicNetworkAccess:publicNetworkAccess, defaultAction:networkRuleSet.defaultAction}"`, n),
		shell.Sprintf("az acr network-rule add -n %s --ip-address %s", n, shell.Placeholder("<your public IP>")),
		shell.Sprintf("if public access is disabled, reach %s through its private endpoint, from inside the linked virtual network", h),
	}
}

func fixTLS(host, name string) []string {
	_, h, _ := args(host, name)
	return []string{
		shell.Sprintf("a proxy may be intercepting TLS: add its root certificate to the system store (and /etc/docker/certs.d/%s/ca.crt for Docker)", h),
		shell.Sprintf("openssl s_client -connect %s:443 -servername %s   # see who signs the certificate", h, h),
	}
}

func fixCredentials(host, name string) []string {
	h, _, n := args(host, name)
	return []string{
		shell.Sprintf("az acr login -n %s", n),
		"a service principal logs in with its application (client) ID and a current secret: az ad app credential list --id <app-id>",
		shell.Sprintf("docker logout %s && docker login %s", h, h),
	}
}

// fixAdmin is fixCredentials for a login as the admin user (its
// username is the registry's name).
func fixAdmin(host, name string) []string {
	h, _, n := args(host, name)
	return []string{
		shell.Sprintf(`az acr credential show -n %s --query "passwords[].value" -o tsv   # the admin user's two passwords`, n),
		shell.Sprintf("az acr update -n %s --admin-enabled true   # where the admin user is off, it takes no password", n),
		shell.Sprintf("docker logout %s && docker login %s -u %s", h, h, n),
	}
}

func fixAAD(host, name string) []string {
	_, _, n := args(host, name)
	return []string{
		shell.Sprintf("the username must be the admin user (%s), a service principal's application ID, a token name, or 00000000-0000-0000-0000-000000000000 with an ACR token", n),
		shell.Sprintf("az acr login -n %s   # for your own Azure identity, not your e-mail address", n),
	}
}

func fixExpired(host, name string) []string {
	h, _, n := args(host, name)
	return []string{
		shell.Sprintf("az login && az acr login -n %s", n),
		shell.Sprintf("an expired service principal secret: az ad sp credential reset --id <app-id>, then docker login %s", h),
		shell.Sprintf("an expired repository-scoped token: az acr token credential generate -n <token> -r %s --password1", n),
	}
}

// fixPushRole is fixRole for a push, which needs AcrPush, and no
// cluster's pull.
func fixPushRole(host, name string) []string {
	h, _, n := args(host, name)
	return []string{
		shell.Sprintf(`az role assignment create --assignee <identity> --role AcrPush --scope "$(az acr show -n %s --query id -o tsv)"`, n),
		shell.Sprintf("check the image name: a push without the %s/ prefix goes to Docker Hub", h),
	}
}

func fixRole(host, name string) []string {
	h, _, n := args(host, name)
	return []string{
		shell.Sprintf(`az role assignment create --assignee <identity> --role AcrPull --scope "$(az acr show -n %s --query id -o tsv)"   # AcrPush to push`, n),
		shell.Sprintf("for AKS: az aks update -n <cluster> -g <group> --attach-acr %s", n),
		shell.Sprintf("check the image name: a push without the %s/ prefix goes to Docker Hub", h),
	}
}

func fixAnonymous(host, name string) []string {
	h, _, n := args(host, name)
	return []string{
		shell.Sprintf("docker logout %s   # not a bare docker logout, which logs out of Docker Hub", h),
		shell.Sprintf("or log in with a valid credential: az acr login -n %s", n),
	}
}

func fixDocker(host, name string) []string {
	_, _, n := args(host, name)
	return []string{
		"start the Docker daemon (Docker Desktop, or sudo systemctl start docker) and check docker version",
		shell.Sprintf("without Docker: az acr login -n %s --expose-token", n),
	}
}

func fixStore(host, name string) []string {
	_, _, n := args(host, name)
	return []string{
		`check "credsStore" and "credHelpers" in ~/.docker/config.json: each docker-credential-<name> must be on PATH and working`,
		"on a headless Linux host, install and initialise pass (apt-get install pass; gpg --generate-key; pass init <key-id>) or remove credsStore",
		shell.Sprintf("then log in again: az acr login -n %s", n),
	}
}

func fixClock(host, name string) []string {
	_, _, n := args(host, name)
	return []string{
		"synchronise the clock: timedatectl set-ntp true (Linux), w32tm /resync (Windows); in WSL2 or a VM, restart it",
		shell.Sprintf("then log in again: az acr login -n %s", n),
	}
}

func fixThrottled(host, name string) []string {
	_, _, n := args(host, name)
	return []string{
		"retry with backoff and fewer parallel pulls",
		shell.Sprintf("az acr show -n %s --query sku.name   # Premium has the highest request limits", n),
	}
}

// fixPlainHTTP is the remediation of a registry that speaks plain HTTP:
// Docker speaks it only to a registry it is told is insecure.
func fixPlainHTTP(host string) []string {
	h := shell.HostPort(host).Or("<registry>")
	return []string{
		shell.Sprintf(`give %s a TLS certificate, or list it in "insecure-registries" in the Docker daemon's daemon.json and restart the daemon`, h),
		shell.Sprintf("curl -v http://%s/v2/   # what answers there", h),
	}
}

// fixHubLogout is the remediation of a stored Docker Hub credential that
// Docker Hub refuses on a pull that needs none.
func fixHubLogout() []string {
	return []string{
		"docker logout   # Docker Hub's stored credential is refused; a public image needs none",
		"or log in again with a Docker Hub access token: docker login -u <username>",
	}
}

// fixHub is the remediation at Docker Hub itself, when the text names no
// ACR registry: Docker's commands for Docker Hub, no Azure's.
func fixHub(id cause.ID) []string {
	switch id {
	case cause.InvalidCredentials, cause.ExpiredCredentials:
		return []string{"docker logout && docker login -u <username>   # Docker Hub: the Docker ID, not the email, and an access token where the account needs one"}
	case cause.RegistryName:
		return []string{
			"an image named without a registry goes to Docker Hub: put your registry's host in front of it (myreg.azurecr.io/team/app:1)",
			"or, if it is on Docker Hub, check the repository's name and tag there (docker search, hub.docker.com)",
		}
	}
	return fixOther(id, "registry-1.docker.io")
}

// fixHubLimit is the remediation of Docker Hub's limit on pulls, which
// a build meant for ACR meets in its base images.
func fixHubLimit(name string) []string {
	n := shell.RegistryName(name).Or("<name>")
	return []string{
		"Docker Hub limits pulls by address: docker login to Docker Hub for a higher limit",
		shell.Sprintf("or pull the image from your registry: az acr import -n %s --source docker.io/library/%s --image %s", n, shell.Placeholder("<image>"), shell.Placeholder("<image>")),
	}
}

// fixOther is the remediation for a registry that is not ACR, named by
// the failed request's host: Docker's own commands, no Azure's.
func fixOther(id cause.ID, host string) []string {
	h := shell.HostPort(host).Or("<registry>")
	switch id {
	case cause.RegistryName:
		return []string{shell.Sprintf("check the registry host in the image reference and the login: %s", h)}
	case cause.NetworkUnreachable:
		return []string{shell.Sprintf("check DNS and outbound TCP to %s", connectTo(host)), "behind a proxy, set HTTPS_PROXY for the Docker daemon as well as the shell"}
	case cause.NetworkFirewall:
		return []string{shell.Sprintf("%s refuses this network: ask its owner to allow your address", h)}
	case cause.TLS:
		return []string{
			"a proxy may be intercepting TLS: add its root certificate to the system store",
			shell.Sprintf("openssl s_client -connect %s   # see who signs the certificate", connectTo(host)),
		}
	case cause.InvalidCredentials, cause.AADNotRegistered:
		if ecr := ecrLogin(host); ecr != "" {
			return []string{ecr + "   # ECR takes a token from the AWS CLI, not a password"}
		}
		return []string{shell.Sprintf("docker logout %s && docker login %s   # with a current password or access token", h, h)}
	case cause.ExpiredCredentials:
		if ecr := ecrLogin(host); ecr != "" {
			return []string{ecr + "   # ECR's tokens last 12 hours"}
		}
		return []string{shell.Sprintf("docker login %s   # the stored token or password has expired", h)}
	case cause.InsufficientPermission:
		return []string{"ask the registry's owner for rights on the repository, and check that the image name is the repository you were given"}
	case cause.AnonymousPullBlocked:
		return []string{shell.Sprintf("docker logout %s   # the image needs no credential", h)}
	case cause.CredentialStore:
		return []string{`check "credsStore" and "credHelpers" in ~/.docker/config.json: each docker-credential-<name> must be on PATH and working`}
	case cause.Throttled:
		return []string{"retry with backoff and fewer parallel pulls; a logged-in account has higher limits"}
	case cause.RegistryError:
		return []string{"retry later; check the registry's status page"}
	}
	return fixes[id]("", "")
}

// ecrLogin is the login that gives a fresh token for an ECR registry
// host, or "" for another registry's: ECR's tokens come from the AWS CLI,
// not from a password a docker login prompt could take.
func ecrLogin(host string) string {
	h, _ := hostPort(strings.ToLower(host))
	if h == "public.ecr.aws" {
		return "aws ecr-public get-login-password --region us-east-1 | docker login --username AWS --password-stdin public.ecr.aws"
	}
	// ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]
	f := strings.Split(strings.TrimSuffix(h, ".cn"), ".")
	if len(f) != 6 || f[1] != "dkr" || f[2] != "ecr" && f[2] != "ecr-fips" || f[4] != "amazonaws" || f[5] != "com" || !awsRegion(f[3]) || !shell.ValidHost(h) {
		return ""
	}
	return shell.Sprintf("aws ecr get-login-password --region %s | docker login --username AWS --password-stdin %s", shell.Text("region", f[3], "<region>"), shell.Host(h).Or("<registry>"))
}

// awsRegion reports whether s has an AWS region's shape: us-east-1,
// us-gov-west-1, cn-north-1.
func awsRegion(s string) bool {
	f := strings.Split(s, "-")
	if len(f) < 3 || !isDigits(f[len(f)-1]) {
		return false
	}
	for _, p := range f[:len(f)-1] {
		if p == "" || strings.Trim(p, "abcdefghijklmnopqrstuvwxyz") != "" {
			return false
		}
	}
	return true
}

// connectTo is host's address with its port, 443 where it names none.
func connectTo(host string) shell.Arg {
	if _, port := hostPort(host); port == "" && host != "" {
		host += ":443"
	}
	return shell.HostPort(host).Or("<registry>")
}

func fixServer(host, name string) []string {
	_, _, n := args(host, name)
	return []string{
		"retry later; check Azure status for Container Registry in the registry's region",
		shell.Sprintf("az acr check-health -n %s --yes --ignore-errors", n),
	}
}
