package explain

import "github.com/acr-doctor/acr-doctor/diagnose/cause"

// A phrase is a fixed piece of wording some tool prints for one failure,
// in lower case: finding it on a line is the signal.
type phrase struct {
	text   string
	cause  cause.ID
	weight int
	class  class
	alt    []cause.ID
	noCred bool // the words say no credential was sent
	word   bool // only as a word of its own: a code name such as "enotfound"
	// notAfter are words that, just before the phrase, make it another
	// statement: "permission denied:" is not the registry's DENIED.
	notAfter []string
	// hub: the words are Docker Hub's, about Docker Hub.
	hub bool
	// entry: the words are about an auth entry's content, which on a
	// node's pull (the kubelet's) is a pull secret's, not a store's.
	entry bool
	// fix is the remediation the words call for, where the cause's own
	// (Azure's) is not it.
	fix []string
}

// Short names for the catalogue, to keep the tables readable.
const (
	regName   = cause.RegistryName
	netDown   = cause.NetworkUnreachable
	firewall  = cause.NetworkFirewall
	tlsFail   = cause.TLS
	badCreds  = cause.InvalidCredentials
	notInAAD  = cause.AADNotRegistered
	expired   = cause.ExpiredCredentials
	noPerm    = cause.InsufficientPermission
	anonBlock = cause.AnonymousPullBlocked
	dockerEnv = cause.DockerEnvironment
	credStore = cause.CredentialStore
	clock     = cause.ClockSkew
	throttled = cause.Throttled
	regError  = cause.RegistryError
)

func alts(v ...cause.ID) []cause.ID { return v }

// mirrorAllowlist is the fix for a mirror that does not serve an image.
var mirrorAllowlist = []string{"the mirror serves only the images on its allowlist: pull this one from its own registry (docker.io/…) or through a mirror that holds it"}

// ghcrLogin is GHCR's login, with a token on standard input.
const ghcrLogin = "echo $TOKEN | docker login ghcr.io -u USER --password-stdin"

// ghcrWrite is the fix for a push GHCR refused: the token's rights.
var ghcrWrite = []string{
	"log in with a token that has write:packages: " + ghcrLogin + " (in GitHub Actions, permissions: packages: write)",
	"a package another repository or user owns: its settings (Manage Actions access, or collaborators) must give this one write access",
}

// notices are the words before a message that is a notice, not an
// error answer.
var notices = []string{"warning", "note", "info"}

// vendorRetired is the fix for an image its vendor no longer serves.
var vendorRetired = []string{"the vendor no longer serves this image or version: pull a version its catalogue still lists, or ask the vendor for access"}

// ghcrScopes is the fix for a GitHub token without the scope an
// operation needs.
var ghcrScopes = []string{"a token with the scopes the operation needs: write:packages to push, read:packages to pull (in GitHub Actions, permissions: packages: write)"}

// awsCreds and awsExpired are the fixes for the AWS CLI with no usable
// credential before ECR is asked: an AWS matter, not a registry's.
var (
	awsCreds = []string{
		"aws sts get-caller-identity   # which AWS identity the CLI finds, if any",
		"aws configure, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the runner's or instance's role (in GitHub Actions, aws-actions/configure-aws-credentials before the ECR login)",
	}
	awsExpired = []string{
		"renew the AWS session (aws sso login, or assume the role again), then log in to ECR again: aws ecr get-login-password --region <region> | docker login --username AWS --password-stdin <registry>",
	}
)

// authAlt are what else a bare 401 can mean.
var authAlt = alts(expired, credStore, regName)

// phrases is the wording of the tools, grouped by who prints it. Codes with
// a documented list (AADSTS, check-health, the distribution spec, Windows
// Sockets, errno) are in codes.go; statements that need reading around
// them (hosts, statuses, times) are extractors.
var phrases = []phrase{
	// The Docker CLI and daemon, and the shells that cannot find docker.
	// Sources: docker/cli cli/command/cli.go and client/errors.go
	// (https://github.com/docker/cli), moby client/errors.go
	// (https://github.com/moby/moby), WSL's docker shim, cmd.exe, PowerShell.
	{text: "cannot connect to the docker daemon", cause: dockerEnv, weight: wCertain},
	{text: "is the docker daemon running", cause: dockerEnv, weight: wCertain},
	// An authorization plugin of the daemon (a CI's, a platform's) refused
	// the request: the daemon's rules, not the registry's. moby pkg/authorization.
	{text: "authorization denied by plugin", cause: dockerEnv, weight: wStrong},
	// docker-py (Compose v1, Python tools) when the daemon cannot be reached.
	{text: "error while fetching server api version", cause: dockerEnv, weight: wStrong},
	{text: "permission denied while trying to connect to the docker daemon", cause: dockerEnv, weight: wCertain},
	{text: "permission denied while trying to connect to the docker api", cause: dockerEnv, weight: wCertain}, // moby/client 28+
	{text: "but the docker daemon api version is", cause: dockerEnv, weight: wStrong},                         // a daemon too old for the client
	{text: "check if the server supports the requested api version", cause: dockerEnv, weight: wLikely},
	{text: "failed to start daemon", cause: dockerEnv, weight: wCertain},
	{text: "should not contain '://'", cause: dockerEnv, weight: wStrong}, // daemon.json's insecure-registries
	// az acr login's advice when it finds no Docker.
	{text: "which does not require docker to be installed", cause: dockerEnv, weight: wLikely},
	{text: "docker.sock: connect: permission denied", cause: dockerEnv, weight: wCertain},
	{text: "docker.sock: permission denied", cause: dockerEnv, weight: wCertain},    // a stat or open of the socket
	{text: "couldn't connect to docker daemon", cause: dockerEnv, weight: wCertain}, // Compose v1
	// Tools that run functions or builds in local containers (AWS SAM and
	// the IDEs' AWS Toolkit, flyctl's local builder).
	{text: "locally requires docker", cause: dockerEnv, weight: wStrong},
	{text: "docker is unavailable to build", cause: dockerEnv, weight: wStrong},
	{text: "no docker daemon available", cause: dockerEnv, weight: wStrong},
	{text: "unable to execute 'docker'", cause: dockerEnv, weight: wStrong}, // cdk-assets
	{text: "docker.sock: connect: no such file or directory", cause: dockerEnv, weight: wCertain},
	{text: "dial unix /var/run/docker.sock", cause: dockerEnv, weight: wCertain},
	{text: "are you trying to connect to a tls-enabled daemon without tls", cause: dockerEnv, weight: wCertain},
	{text: "eacces /var/run/docker.sock", cause: dockerEnv, weight: wCertain},
	// Java clients of the daemon (Spring Boot's build-image, Testcontainers,
	// docker-java): the same statement in their words.
	{text: "connection to the docker daemon at", cause: dockerEnv, weight: wCertain},
	{text: "ensure the docker daemon is running", cause: dockerEnv, weight: wCertain},
	{text: "could not find a valid docker environment", cause: dockerEnv, weight: wCertain},
	// Azure Pipelines' Docker tasks (azure-pipelines-tasks-docker-common).
	{text: "docker_host variable is set. please ensure that the docker daemon is running", cause: dockerEnv, weight: wLikely},
	{text: "could not parse the docker config obtained from the file", cause: credStore, weight: wStrong},
	{text: "no data was written into the file", cause: credStore, weight: wLikely},
	{text: "endpoint auth data not present", cause: badCreds, weight: wLikely, alt: alts(credStore)}, // azure-pipelines-task-lib
	// docker/actions-toolkit (docker/build-push-action and friends).
	{text: "imagetools inspect command failed with manifest not found", cause: regName, weight: wLikely, class: noImage, alt: alts(noPerm)},
	{text: "enoent /var/run/docker.sock", cause: dockerEnv, weight: wCertain},
	// JNA's errno, where Java clients open the daemon's socket themselves
	// (Spring Boot's build-image): [2] no socket, [13] no access to it.
	{text: "lasterrorexception: [2]", cause: dockerEnv, weight: wStrong},
	{text: "lasterrorexception: [13]", cause: dockerEnv, weight: wStrong},
	{text: "lasterrorexception: [111]", cause: dockerEnv, weight: wStrong},
	{text: "failed to connect to the docker api", cause: dockerEnv, weight: wCertain},
	{text: "pipe/docker_engine", cause: dockerEnv, weight: wStrong},
	{text: "error during connect", cause: dockerEnv, weight: certainAt, alt: alts(netDown)},
	{text: "docker daemon is not running", cause: dockerEnv, weight: wCertain},
	{text: "docker desktop is not running", cause: dockerEnv, weight: wCertain},
	{text: "docker desktop is unable to start", cause: dockerEnv, weight: wStrong},
	{text: "docker: command not found", cause: dockerEnv, weight: wCertain},
	{text: "command not found: docker", cause: dockerEnv, weight: wCertain}, // zsh's order
	{text: "is not a docker command", cause: dockerEnv, weight: wStrong, // a CLI plugin missing
		fix: []string{"install the CLI plugin it names (buildx: the docker-buildx-plugin package, or Docker Desktop), or put its binary in ~/.docker/cli-plugins: docker info lists the plugins Docker finds"}},
	{text: "//./pipe/docker", cause: dockerEnv, weight: wStrong}, // any Docker Desktop engine pipe
	{text: `\pipe\docker_engine`, cause: dockerEnv, weight: wStrong},
	{text: "container runtime is not running or is unhealthy", cause: dockerEnv, weight: wCertain}, // .NET Aspire
	// containerd without Kubernetes' CRI (Docker's containerd.io package
	// ships it disabled), or a CRI version it does not serve.
	{text: "unknown service runtime.v1", cause: dockerEnv, weight: wStrong, fix: []string{
		"the container runtime does not serve Kubernetes' CRI: in /etc/containerd/config.toml take \"cri\" out of disabled_plugins (or generate a full config: containerd config default), then: sudo systemctl restart containerd",
		"or the runtime and its client speak different CRI versions: containerd 2.x serves only v1 (upgrade crictl or the kubelet), containerd before 1.6 no v1 (upgrade containerd)",
	}},
	{text: "docker is not running or is unhealthy", cause: dockerEnv, weight: wCertain},
	// docker-py's connection to the daemon's socket.
	{text: "unixhttpconnectionpool", cause: dockerEnv, weight: wLikely + 5, alt: alts(netDown)},
	{text: "invalidconfigfile", cause: credStore, weight: wStrong},                                 // docker-py auth.py
	{text: "repository name cannot contain a scheme", cause: regName, weight: wCertain},            // docker-py auth.py
	{text: "must be provided through the client_cert param", cause: dockerEnv, weight: wStrong},    // docker-py tls.py
	{text: "docker_host env variable should be something like", cause: dockerEnv, weight: wStrong}, // dockerode's docker-modem
	{text: "is too new. maximum supported api version", cause: dockerEnv, weight: wStrong},
	{text: "docker: not found", cause: dockerEnv, weight: wStrong},
	{text: "'docker' is not recognized", cause: dockerEnv, weight: wCertain},
	{text: "term 'docker' is not recognized", cause: dockerEnv, weight: wCertain},
	{text: "command 'docker' could not be found", cause: dockerEnv, weight: wCertain},
	{text: `exec: "docker": executable file not found`, cause: dockerEnv, weight: wCertain},
	// Azure Pipelines' tool runner, for docker and docker.exe.
	{text: "unable to locate executable file: 'docker", cause: dockerEnv, weight: wCertain},
	{text: "unable to locate executable file: 'podman", cause: dockerEnv, weight: wCertain},
	// The other engines' clients, when their service is not there.
	// Sources: podman pkg/bindings/connection.go, nerdctl pkg/clientutil.
	{text: "cannot connect to podman", cause: dockerEnv, weight: wCertain},
	{text: "unable to connect to podman", cause: dockerEnv, weight: wCertain},
	// Podman's connections and machines (cmd/podman, pkg/machine), and
	// buildx's builders and drivers, Compose without buildx.
	{text: "failed to resolve active destination", cause: dockerEnv, weight: wStrong},
	{text: "destination is not defined. see", cause: dockerEnv, weight: wStrong},
	{text: ": vm does not exist", cause: dockerEnv, weight: wStrong},
	{text: "api forwarding for docker api clients is not available", cause: dockerEnv, weight: wStrong},
	{text: "could not start api proxy since expected pipe is not available", cause: dockerEnv, weight: wStrong},
	{text: "error loading trust policy", cause: dockerEnv, weight: wStrong}, // skopeo and podman without policy.json
	{text: "could not create a builder instance", cause: dockerEnv, weight: wLikely},
	{text: "is not supported for the docker driver", cause: dockerEnv, weight: wLikely},
	{text: "but buildx isn't installed", cause: dockerEnv, weight: wLikely},
	{text: "compose build requires buildx", cause: dockerEnv, weight: wLikely},
	{text: "failed to find instance", cause: dockerEnv, weight: wLikely},
	// The engine in the other container mode (moby distribution). A
	// layer Windows will not register (an antivirus, hcsshim) is no
	// login's, push's or pull's cause: left unread, as the corpus has it.
	{text: "cannot download image with operating system", cause: dockerEnv, weight: wStrong, alt: alts(regName)},
	{text: "error response from daemon: operating system is not supported", cause: dockerEnv, weight: wLikely, alt: alts(regName)},
	// Tilt's and anchore's stereoscope's words for an engine they cannot use.
	{text: "tilt requires a docker server newer than", cause: dockerEnv, weight: wStrong},
	{text: "docker is not responding", cause: dockerEnv, weight: wStrong},
	{text: "failed to connect to docker daemon", cause: dockerEnv, weight: wCertain},
	{text: "podman not available", cause: dockerEnv, weight: wLikely},
	{text: "containerd not available", cause: dockerEnv, weight: wStrong},
	{text: "cannot access containerd socket", cause: dockerEnv, weight: wCertain},
	{text: "containerd.sock: connect:", cause: dockerEnv, weight: wStrong},
	{text: "is too old. minimum supported api version", cause: dockerEnv, weight: wStrong},
	{text: "is not supported by this client: the minimum supported api version is", cause: dockerEnv, weight: wStrong}, // moby client
	{text: "unable to parse docker host", cause: dockerEnv, weight: wStrong},
	{text: "unable to resolve docker endpoint", cause: dockerEnv, weight: wStrong}, // docker/cli: a context gone
	// The other clients' own words for no engine at all: Dapr's CLI,
	// Quarkus' container-image extensions, the shell for containerd's ctr.
	{text: "docker may not be installed or running", cause: dockerEnv, weight: wCertain},
	{text: "no container runtime was found", cause: dockerEnv, weight: wCertain},
	{text: "/ctr: no such file or directory", cause: dockerEnv, weight: wStrong},
	// The virtual machines that hold the engine on a desktop (colima, lima,
	// Finch, Rancher Desktop) and tools that start an engine of their own
	// (Earthly's buildkitd, Dagger's): stopped, never created, or gone.
	// Sources: abiosoft/colima app/app.go, lima-vm/lima cmd/limactl and
	// templates/docker.yaml, runfinch/finch cmd/finch/nerdctl_remote.go,
	// rancher-desktop dockerDirManager.ts, earthly buildkitd/buildkitd.go,
	// dagger engine/client/drivers.
	{text: "colima is not running", cause: dockerEnv, weight: wCertain},
	{text: "dependency check failed for docker", cause: dockerEnv, weight: wStrong},
	{text: "run `limactl start", cause: dockerEnv, weight: wStrong},
	{text: "run `limactl create", cause: dockerEnv, weight: wStrong},
	{text: "run `finch vm ", cause: dockerEnv, weight: wStrong},
	{text: "docker is not installed yet", cause: dockerEnv, weight: wStrong},
	{text: "(used by rootless docker) is not running", cause: dockerEnv, weight: wStrong},
	{text: "could not read existing docker socket", cause: dockerEnv, weight: wLikely},
	{text: "docker context is currently", cause: dockerEnv, weight: wLikely},
	{text: "is docker installed and running", cause: dockerEnv, weight: wStrong},
	{text: "buildkitd is shutting down or it has crashed", cause: dockerEnv, weight: wLikely},
	{text: "could not start the local engine", cause: dockerEnv, weight: wStrong},
	{text: "invalid docker buildx driver", cause: dockerEnv, weight: wLikely},
	{text: "buildx` to switch to context", cause: dockerEnv, weight: wLikely},                 // buildx on a context it cannot drive
	{text: "dockerd connection issue", cause: dockerEnv, weight: wStrong, alt: alts(netDown)}, // Home Assistant's supervisor
	// An engine too old for what it pulls: Docker before 19.03.? refusing
	// an OCI manifest (distribution/manifest/schema2), crictl's CRI v1
	// against a containerd that speaks only v1alpha2.
	{text: "mediatype in manifest should be", cause: dockerEnv, weight: wStrong, fix: []string{"upgrade Docker: this one cannot read the OCI image manifest the registry serves (Docker 20.10 or later can)"}},
	{text: "accept header does not support oci indexes", cause: dockerEnv, weight: wCertain, fix: []string{"upgrade the client: this one does not ask for the OCI image index the registry serves (Singularity before 3.7, old containers/image)"}},
	{text: "cri v1 image api is not implemented", cause: dockerEnv, weight: wStrong, fix: []string{"upgrade containerd (1.6 or later serves the CRI v1 API), or use a crictl of the runtime's version"}},
	{text: "cri v1 runtime api is not implemented", cause: dockerEnv, weight: wStrong, fix: []string{"upgrade containerd (1.6 or later serves the CRI v1 API), or use a crictl of the runtime's version"}},
	// skopeo and podman ask for the password a login was not given, and
	// cannot off a terminal: the variable that held it was empty.
	// Source: containers/common pkg/auth (getUserAndPass).
	{text: "reading password: inappropriate ioctl for device", cause: badCreds, weight: wLikely + 5, alt: alts(dockerEnv)},

	// az acr: its own sentences. Sources: Azure/azure-cli
	// src/azure-cli/azure/cli/command_modules/acr/_errors.py, custom.py,
	// _docker_utils.py (https://github.com/Azure/azure-cli), and
	// https://learn.microsoft.com/azure/container-registry/container-registry-health-error-reference
	{text: "please verify if docker client is installed and running", cause: dockerEnv, weight: wCertain},
	{text: "please verify if docker is installed", cause: dockerEnv, weight: wCertain},
	{text: "please verify whether docker is installed", cause: dockerEnv, weight: wCertain},
	{text: "daemon is running properly", cause: dockerEnv, weight: wCertain},
	{text: "please verify if docker daemon is running", cause: dockerEnv, weight: wCertain},
	// az acr login, import and repository commands (acr/_docker_utils.py,
	// import.py, repository.py, check_health.py).
	{text: "response code: 401. please try running 'az login' again", cause: expired, weight: wLikely + 5, alt: alts(badCreds, noPerm)},
	{text: "as the default registry login server", cause: regName, weight: wHint, alt: alts(noPerm, netDown)}, // ARM did not find it
	{text: "please also specify username if password is specified", cause: badCreds, weight: wStrong},
	{text: "authentication failed. please provide password", cause: badCreds, weight: wStrong},
	{text: "source container registry can not be found in the current subscription", cause: regName, weight: wLikely, alt: alts(badCreds)},
	{text: "please provide a valid image and source registry", cause: regName, weight: wStrong},
	{text: "because it is not a fully qualified domain name", cause: regName, weight: wCertain},
	{text: "the requested data does not exist", cause: regName, weight: wLikely, alt: alts(noPerm)},
	{text: "could not get the manifest digest for image", cause: regName, weight: wLikely, alt: alts(noPerm)},
	{text: "through private ip is incorrect", cause: netDown, weight: wStrong, alt: alts(firewall)},
	{text: "dns routing verification failed", cause: netDown, weight: wLikely, alt: alts(firewall)},
	{text: "could not run 'docker' command", cause: dockerEnv, weight: wStrong},
	{text: "could not run 'docker.exe' command", cause: dockerEnv, weight: wStrong},
	{text: "requires running the docker daemon", cause: dockerEnv, weight: wCertain},
	{text: "an error occurred while retrieving docker version", cause: dockerEnv, weight: wLikely},
	{text: "an error occurred while pulling a sample image", cause: netDown, weight: wHint, alt: alts(dockerEnv)},
	// Helm and notary are checked beside Docker and rarely what broke a login.
	{text: "please verify if helm is installed", cause: dockerEnv, weight: wWeak},
	{text: "please verify if notary is installed", cause: dockerEnv, weight: wWeak},
	{text: "could not connect to the registry login server", cause: netDown, weight: wHint + 5, class: challenge, alt: alts(regName, firewall)},
	{text: "did not issue a challenge", cause: regError, weight: wLikely, class: challenge, alt: alts(netDown, firewall)},
	{text: "did not ask properly for a basic or a bearer authentication", cause: regError, weight: wStrong},
	{text: "does not support aad login", cause: regError, weight: wLikely, alt: alts(badCreds)},
	{text: "unable to establish a secure connection to the registry", cause: tlsFail, weight: wCertain},
	{text: "looks like you don't have access to registry", cause: firewall, weight: wCertain},
	{text: "failed to reach dns for registry", cause: regName, weight: wLikely, alt: alts(netDown)},
	{text: "an error occurred while retrieving the login server for registry", cause: regName, weight: wLikely, alt: alts(noPerm)},
	{text: "uppercase characters are detected in the registry name", cause: regName, weight: wLikely},
	{text: "the following arguments are required: --name/-n", cause: regName, weight: wStrong},
	{text: "registry names may contain only alpha numeric characters", cause: regName, weight: wCertain},
	// ARM finds no such registry in the subscription az uses: the denial
	// az prints beside it follows from that.
	{text: "type 'microsoft.containerregistry/registries' could not be found", cause: regName, weight: wStrong, alt: alts(noPerm)},
	{text: "resource 'microsoft.containerregistry/registries/", cause: regName, weight: wHint + 5, alt: alts(noPerm)},
	// Azure identities that give no token (azidentity's
	// ManagedIdentityCredential, WorkloadIdentityCredential and
	// AzureCLICredential, MSAL): the identity is not there, or the sign-in
	// must be made again.
	{text: "the requested identity isn't assigned to this resource", cause: badCreds, weight: wStrong, alt: alts(noPerm)},
	{text: "identity not found", cause: badCreds, weight: wLikely, alt: alts(noPerm)},
	{text: "no default identity is assigned to this resource", cause: badCreds, weight: wStrong, alt: alts(noPerm)}, // several identities, none chosen
	{text: "no token file specified", cause: badCreds, weight: wLikely},
	// The same in azure-identity's (Python) and @azure/identity's words,
	// and az's own account state (azure-cli-core _profile.py, auth/).
	{text: "no identity has been assigned to this resource", cause: badCreds, weight: wStrong, alt: alts(noPerm)},
	{text: "the requested identity has not been assigned to this resource", cause: badCreds, weight: wStrong, alt: alts(noPerm)},
	{text: "no managed identity endpoint found", cause: badCreds, weight: wLikely, alt: alts(netDown)},
	{text: "no response from the imds endpoint", cause: badCreds, weight: wLikely, alt: alts(netDown)},
	{text: "environment variables are not fully configured", cause: badCreds, weight: wLikely},
	{text: "defaultazurecredential failed to retrieve a token", cause: badCreds, weight: wLikely, alt: alts(expired, credStore)},
	{text: "chainedtokencredential authentication failed", cause: badCreds, weight: wLikely, alt: alts(expired, credStore)},
	{text: "azure cli not found on path", cause: badCreds, weight: wLikely, alt: alts(credStore)},
	{text: "azure cli could not be found", cause: badCreds, weight: wLikely, alt: alts(credStore)},
	{text: "unable to get authority configuration for", cause: badCreds, weight: wLikely, alt: alts(notInAAD)}, // a tenant that does not exist
	{text: "failed to connect to msi", cause: badCreds, weight: wLikely, alt: alts(netDown)},
	{text: "does not exist in msal token cache", cause: expired, weight: wLikely, alt: alts(badCreds)},
	{text: "could not retrieve credential from local cache for service principal", cause: expired, weight: wLikely, alt: alts(badCreds)},
	{text: "to authenticate before using this credential", cause: expired, weight: wHint + 5, alt: alts(badCreds)}, // "Please run 'az login' …"
	{text: "no subscriptions found for", cause: noPerm, weight: wLikely, alt: alts(badCreds)},
	{text: "hence no subscriptions were found", cause: noPerm, weight: wStrong},
	{text: "bearer token authentication is not permitted for non-tls protected", cause: tlsFail, weight: wStrong, alt: alts(regName)},
	// azidentity (Go) and kubelogin: an identity set up without what it
	// needs, or for another tenant (azidentity environment_credential.go,
	// workload_identity.go, azure_cli_credential.go, errors.go; kubelogin
	// pkg/internal/token).
	{text: "defaultazurecredential: failed to acquire a token", cause: badCreds, weight: wLikely, alt: alts(expired, credStore)},
	{text: "environmentcredential: missing environment variable", cause: badCreds, weight: wLikely, noCred: true, alt: alts(credStore)},
	{text: "environmentcredential: incomplete environment variable configuration", cause: badCreds, weight: wLikely, noCred: true, alt: alts(credStore)},
	{text: "environmentcredential: no value for", cause: badCreds, weight: wLikely, noCred: true, alt: alts(credStore)},
	{text: "failed to read certificate file", cause: badCreds, weight: wLikely, alt: alts(credStore)},
	{text: "workloadidentitycredential: no client id specified", cause: badCreds, weight: wLikely, alt: alts(credStore)},
	{text: "workloadidentitycredential: no tenant id specified", cause: badCreds, weight: wLikely, alt: alts(credStore)},
	{text: "invalid tenantid. you can locate your tenantid", cause: badCreds, weight: wStrong, alt: alts(notInAAD)},
	{text: "isn't configured to acquire tokens for tenant", cause: badCreds, weight: wStrong},
	{text: "if this is the name of a subscription, use its id instead", cause: badCreds, weight: wLikely},
	{text: `please run "connect-azaccount" to set up an account`, cause: expired, weight: wHint + 5, alt: alts(badCreds)},
	{text: "az.accounts module not found", cause: credStore, weight: wLikely, alt: alts(badCreds)},
	{text: "can't acquire a token without user interaction", cause: expired, weight: wLikely, alt: alts(badCreds)},
	{text: "no value for environment variable system_oidcrequesturi", cause: badCreds, weight: wLikely, alt: alts(credStore)},
	{text: "no system access token specified", cause: badCreds, weight: wLikely, alt: alts(credStore)},
	{text: "invalid azure_token_credentials value", cause: credStore, weight: wStrong},
	{text: "found no private key", cause: badCreds, weight: wLikely, alt: alts(credStore)},
	{text: "clientsecretcredential authentication failed", cause: badCreds, weight: wLikely, alt: alts(expired)},
	{text: "failed to create azidentity credential", cause: badCreds, weight: wLikely, alt: alts(credStore)},
	{text: "github actions id token request failed", cause: badCreds, weight: wLikely + 10, alt: alts(noPerm)}, // no id-token: write
	{text: "github actions id token is empty", cause: badCreds, weight: wLikely},
	{text: "is not a supported login method", cause: credStore, weight: wLikely},
	// The Azure SDK's container registry client, given an answer that is
	// no registry's challenge (azcontainerregistry authentication_policy.go).
	{text: "www-authenticate header for challenge authentication", cause: regError, weight: wLikely, alt: alts(netDown)},
	{text: "in the www-authenticate header", cause: regError, weight: wLikely, alt: alts(netDown)},
	{text: "could not parse refresh token expire time", cause: regError, weight: wLikely, alt: alts(badCreds)},
	{text: "requires multifactor authentication or additional claims", cause: expired, weight: wLikely, alt: alts(badCreds)},
	// az has no Azure sign-in, or it lapsed: az acr login cannot get an AAD token.
	{text: "please run 'az login' to setup account", cause: expired, weight: wHint, alt: alts(badCreds)},
	{text: "please run 'az login' to set up an account", cause: expired, weight: wHint, alt: alts(badCreds)}, // azure-identity's AzureCliCredential
	{text: "credentials have expired due to inactivity", cause: expired, weight: wCertain},
	{text: "interactive authentication is needed", cause: expired, weight: wHint + 5, alt: alts(badCreds)},
	// azure/login with OIDC, in a job not given "id-token: write".
	{text: "actions_id_token_request_url", cause: badCreds, weight: wLikely, alt: alts(credStore)},
	{text: "encryption doesn't exist", cause: regError, weight: wLikely},
	// Azure Front Door's page when the service behind it is down (MCR,
	// ACR's front ends), passed on as the body of an HTTP error.
	{text: "our services aren't available right now", cause: regError, weight: wStrong},
	{text: "unable to authenticate using aad or admin login credentials", cause: badCreds, weight: wPossible, alt: authAlt},
	{text: "please specify both username and password in non-interactive mode", cause: badCreds, weight: wWeak},

	// ACR's answers. Sources:
	// https://learn.microsoft.com/azure/container-registry/container-registry-troubleshoot-login-authn-authz,
	// https://learn.microsoft.com/azure/container-registry/container-registry-troubleshoot-access,
	// https://learn.microsoft.com/azure/container-registry/container-registry-faq
	{text: "is not allowed access", cause: firewall, weight: wCertain},
	{text: "public network access is disabled", cause: firewall, weight: wStrong + 5},
	{text: "denied: client with", cause: firewall, weight: wCertain},
	{text: "client with ip", cause: firewall, weight: wStrong},
	{text: "aka.ms/acr/firewall", cause: firewall, weight: wCertain},
	// A bare 403 reason where Docker prints the registry's answer.
	{text: ": forbidden", cause: firewall, weight: wHint, alt: alts(noPerm)},
	{text: "application not registered with aad", cause: notInAAD, weight: wCertain},
	// Entra's words for an application ID the tenant does not know, under
	// whichever code (AADSTS700016, and AADSTS70001 in older clouds).
	{text: "was not found in the directory", cause: notInAAD, weight: wCertain, alt: alts(badCreds)},
	{text: "client id must be guid", cause: notInAAD, weight: wCertain},
	{text: "invalid clientid or client secret", cause: badCreds, weight: wLikely + 10, alt: alts(expired, notInAAD)},
	{text: "unauthorized to access repository", cause: noPerm, weight: wStrong},
	// Listing a registry's repositories (GET /v2/_catalog) needs its own
	// permission: ACR's registry:catalog:* scope, Harbor's admin role.
	{text: "unauthorized to list catalog", cause: noPerm, weight: wStrong},
	{text: "insufficient_scope", cause: noPerm, weight: certainAt, class: denied, alt: alts(regName)},
	{text: "access token has insufficient scopes", cause: noPerm, weight: wStrong, alt: alts(badCreds)}, // Docker Hub's
	{text: "does not have authorization to perform action", cause: noPerm, weight: wCertain},
	{text: "authorizationfailed", cause: noPerm, weight: wStrong},
	// Azure Storage, which serves ACR's blobs, answers 403 with its own
	// codes: AuthorizationFailure when its network rules (a firewall, a
	// service endpoint policy) refuse the caller, AuthorizationPermission-
	// Mismatch when a role is missing. Source:
	// https://learn.microsoft.com/rest/api/storageservices/common-rest-api-error-codes
	{text: "authorizationfailure", cause: firewall, weight: wCertain, alt: alts(noPerm)},
	{text: "authorizationpermissionmismatch", cause: noPerm, weight: wCertain},
	{text: "not authorized to perform", cause: noPerm, weight: wStrong},
	// AWS IAM refusing an ECR action to the identity the CLI used.
	{text: "is not authorized to perform: ecr", cause: noPerm, weight: wStrong + 5, fix: []string{
		"the AWS identity needs the ECR action it names in an IAM policy (ecr:GetAuthorizationToken to log in; ecr:BatchGetImage and ecr:GetDownloadUrlForLayer to pull; ecr:PutImage and the layer uploads to push): aws sts get-caller-identity shows which identity was used",
	}},
	{text: "you are not authorized to push", cause: noPerm, weight: wStrong}, // flyctl
	// GHCR's words for a token that may not write the package.
	{text: "permission_denied: write_package", cause: noPerm, weight: wStrong, fix: ghcrWrite},
	{text: "not allowed to write organization package", cause: noPerm, weight: wStrong, fix: ghcrWrite},
	{text: "not allowed to create organization package", cause: noPerm, weight: wStrong, fix: ghcrWrite},
	{text: "permission_denied: the token provided does not match expected scopes", cause: noPerm, weight: wStrong, fix: ghcrScopes},
	// GitHub's API, for a package it was asked to create or read.
	{text: "the following scopes: ['write:packages']", cause: noPerm, weight: wStrong, fix: ghcrScopes},
	{text: "the following scopes: ['read:packages']", cause: noPerm, weight: wStrong, fix: ghcrScopes},
	// ARM: an action that needs rights on a second resource (az acr import
	// from another registry), and az aks --attach-acr without the right to
	// assign roles.
	{text: "linkedauthorizationfailed", cause: noPerm, weight: wCertain},
	{text: "does not have permission to perform action", cause: noPerm, weight: wStrong},
	{text: "could not create a role assignment for acr", cause: noPerm, weight: wStrong},
	{text: "requested access to the resource is denied", cause: noPerm, weight: wLikely, class: denied, alt: alts(regName, badCreds, firewall)},
	{text: "pull access denied", cause: noPerm, weight: wPossible, class: repoMissing, alt: alts(regName, badCreds)},
	// Red Hat's registries: a repository served only by the other one.
	{text: "is only available on registry.redhat.io", cause: regName, weight: wCertain},
	// Helm asked for a classic chart repository (index.yaml) at an OCI
	// registry: the chart is oci://, pulled by reference.
	{text: "/index.yaml : 404", cause: regName, weight: wStrong},
	// Google's words for a caller without the role (Container Registry,
	// Artifact Registry), with an UNAUTHORIZED code.
	{text: "you don't have the needed permissions to perform this operation", cause: noPerm, weight: wLikely, class: roleOrCred, alt: alts(badCreds)},
	// Container Registry (gcr.io) shut down: its images live on in
	// Artifact Registry, where the project was migrated, or nowhere.
	// A Google Cloud project deleted with the images it held.
	{text: "has been deleted", cause: regName, weight: wLikely + 5, alt: alts(noPerm)},
	// A vendor's registry that retired the image or the version, in its
	// own answer ("unknown: This container version is no longer available
	// from the Crunchy Data Developer Program").
	{text: ": this container version is no longer available", cause: regName, weight: wStrong, fix: vendorRetired, notAfter: notices},
	{text: ": this image is no longer available", cause: regName, weight: wStrong, fix: vendorRetired, notAfter: notices},
	{text: "container registry is deprecated and shutting down", cause: regName, weight: wCertain, fix: []string{"pull and push through Artifact Registry (LOCATION-docker.pkg.dev/PROJECT/REPOSITORY), or migrate the project: gcloud artifacts docker upgrade migrate --projects=PROJECT"}},
	// The image's project has Artifact Registry's API turned off: the
	// registry's owner turns it on; no credential of the puller's helps.
	{text: "artifact registry api has not been used in project", cause: regError, weight: wStrong, fix: []string{"the image's project enables the Artifact Registry API (gcloud services enable artifactregistry.googleapis.com --project=PROJECT), or the image is pulled from where it now lives"}},
	// Oracle's OCIR: a push (or a private pull) that sent no credential.
	{text: "anonymous users are only allowed read access", cause: badCreds, weight: wStrong, noCred: true, alt: alts(credStore)},
	// The daemon before 17.07: "repository legion not found: does not
	// exist or no pull access".
	{text: "not found: does not exist or no pull access", cause: regName, weight: wLikely, alt: alts(noPerm, badCreds)},
	{text: "push access denied", cause: noPerm, weight: wPossible, class: repoMissing, alt: alts(regName, badCreds)},
	{text: "incorrect username or password", cause: badCreds, weight: wCertain - 5, class: badPassword},
	{text: "invalid username or password", cause: badCreds, weight: wCertain - 5, class: badPassword},
	{text: "wrong login/password", cause: badCreds, weight: wCertain - 5, class: badPassword}, // Docker Hub's v1 login
	// Docker Hub's API (hub.docker.com/v2/users/login), as IDE extensions show it.
	{text: "incorrect authentication credentials", cause: badCreds, weight: wLikely + 10},
	// Docker Hub's answer to a password where its accounts need a token.
	{text: "must log in with a personal access token", cause: badCreds, weight: wStrong},
	{text: "please use personal access token to login", cause: badCreds, weight: wStrong},
	// Docker Hub locks out a user or address after failed logins, with a
	// TOOMANYREQUESTS: the password is what to fix, then wait.
	{text: "too many failed login attempts", cause: badCreds, weight: wCertain + 10, alt: alts(throttled)},
	// docker/login-action with an empty secret (a fork's pull request, a
	// secret of another environment).
	{text: "username and password required", cause: badCreds, weight: wLikely, alt: alts(credStore)},
	{text: "must provide --username with --password-stdin", cause: badCreds, weight: wStrong}, // docker/cli: the username was empty
	{text: "username cannot contain colons", cause: badCreds, weight: wStrong},                // finch, nerdctl
	// docker login -p $VAR with VAR empty: the shell dropped the argument.
	{text: "flag needs an argument: 'p' in -p", cause: badCreds, weight: wLikely + 5, alt: alts(credStore)},
	{text: "flag needs an argument: 'u' in -u", cause: badCreds, weight: wLikely + 5, alt: alts(credStore)},
	{text: "registry requires a username", cause: badCreds, weight: wLikely},                        // Apptainer's login
	{text: "authentication failed - please verify your username", cause: badCreds, weight: wStrong}, // Portainer's registry test
	{text: "invalid username/password", cause: badCreds, weight: wLikely + 10, class: badPassword, alt: alts(expired, credStore)},
	{text: "authentication required", cause: badCreds, weight: wPossible + 3, class: authFail, alt: authAlt},
	{text: "no basic auth credentials", cause: badCreds, weight: wHint, class: authFail, noCred: true, alt: alts(credStore, regName)},
	{text: "failed to fetch anonymous token", cause: badCreds, weight: wHint + 5, class: authFail, noCred: true, alt: alts(credStore, regName)},
	{text: "failed to fetch oauth token", cause: badCreds, weight: wPossible + 5, class: authFail, alt: authAlt},
	{text: "no matching credentials were found", cause: badCreds, weight: wHint, class: authFail, noCred: true, alt: alts(credStore, regName)},
	// containerd and buildkit's authorizer, oras-go: a basic challenge and
	// no credential to answer it.
	{text: "failed to handle basic auth because missing username or secret", cause: badCreds, weight: wHint, class: authFail, noCred: true, alt: alts(credStore)},
	{text: "missing username or password for basic auth", cause: badCreds, weight: wHint, class: authFail, noCred: true, alt: alts(credStore)},
	{text: "password is empty", cause: badCreds, weight: wLikely + 10, alt: alts(credStore)}, // docker login --password-stdin fed nothing
	{text: "invalid_token: authorization failed", cause: badCreds, weight: wLikely, alt: alts(expired)},
	{text: "token is expired", cause: expired, weight: wStrong},
	// OAuth's answer to a refresh token or grant that lapsed or was
	// revoked (RFC 6749 §5.2), as Google's and Entra's token services give it.
	{text: "\"invalid_grant\"", cause: expired, weight: wLikely, alt: alts(badCreds)},
	// Docker Desktop's own sign-in (Docker Hub's), renewed by its backend.
	{text: "refreshing tokens: status code not ok but 4", cause: expired, weight: wStrong, hub: true, fix: []string{
		"Docker Desktop's sign-in to Docker Hub expired: sign out of Docker Desktop and sign in again (its whale menu, or docker logout then docker login)",
	}},
	{text: "error: invalid_grant", cause: expired, weight: wLikely, alt: alts(badCreds)},
	// gcloud's credential helper, when the gcloud login has lapsed.
	{text: "there was a problem refreshing your current auth tokens", cause: expired, weight: wCertain + 5, alt: alts(credStore)},
	{text: "token has expired", cause: expired, weight: wStrong},
	{text: "token expired", cause: expired, weight: wLikely + 10, alt: alts(clock)},
	{text: "tokenexpired", cause: expired, weight: wStrong},
	{text: "refresh token has expired", cause: expired, weight: wCertain},
	{text: "expired due to inactivity", cause: expired, weight: wCertain},
	{text: "credentials have expired", cause: expired, weight: wStrong},
	{text: "secret keys are expired", cause: expired, weight: wCertain},
	{text: "password has expired", cause: expired, weight: wStrong},
	// Azure Resource Manager's answer to an expired bearer token.
	{text: "expiredauthenticationtoken", cause: expired, weight: wStrong, alt: alts(clock)},

	// Throttling, by any registry. Sources: the distribution spec's
	// TOOMANYREQUESTS, Docker Hub's rate-limit body, ACR's
	// https://aka.ms/acr/skus text.
	{text: "too many requests", cause: throttled, weight: wCertain},
	// Docker Hub's own words for its limit on pulls: whatever registry the
	// text names, the limit is Docker Hub's (fixHubLimit).
	{text: "you have reached your pull rate limit", cause: throttled, weight: wCertain, hub: true},
	{text: "pull rate limit", cause: throttled, weight: wStrong},
	{text: "rate limit exceeded", cause: throttled, weight: wStrong},
	{text: "responded with a rate limit error", cause: throttled, weight: wStrong}, // Earthly
	{text: "throttled", cause: throttled, weight: wLikely},
	{text: "pull qps exceeded", cause: throttled, weight: wCertain}, // kubelet's own limit

	// A challenge or token answer the client cannot use: the registry (or
	// what answers in its name) broke the protocol. Sources: distribution
	// registry/client/auth/session.go, containerd core/remotes/docker
	// (authorizer.go, auth/fetch.go, resolver.go), containers/image
	// docker/docker_client.go, go-containerregistry transport/bearer.go,
	// oras-go registry/remote/auth/client.go, the distribution spec's
	// error codes (UNKNOWN, UNSUPPORTED).
	{text: "no realm specified for token auth challenge", cause: regError, weight: wStrong},
	{text: "could not find token in neither field", cause: regError, weight: wLikely}, // rules_oci authn.bzl
	{text: "could not parse authentication realm", cause: regError, weight: wLikely},  // enroot
	{text: "invalid token auth challenge realm", cause: regError, weight: wStrong},
	{text: "missing realm in bearer auth challenge", cause: regError, weight: wStrong},
	{text: "malformed www-authenticate", cause: regError, weight: wStrong},
	{text: "invalid realm in www-authenticate", cause: regError, weight: wStrong},
	{text: "www-authenticate missing key", cause: regError, weight: wStrong}, // Charliecloud: a challenge without its service
	// Harbor set read-only (by its admin, or by a full quota at a hosted
	// Harbor): every push is denied, whoever sends it.
	{text: "the system is in read only mode", cause: regError, weight: wCertain, alt: alts(noPerm),
		fix: []string{"the registry (Harbor) is set read-only: its administrator turns it off (Configuration, System Settings, Repository Read Only), or frees the quota that set it"}},
	// Google's words for a project that is suspended: the registry's owner
	// (the image's publisher), not the caller, lost the project.
	{text: "consumer 'project:", cause: regError, weight: wStrong, alt: alts(noPerm)},
	{text: "failed to find supported auth scheme", cause: regError, weight: wLikely, alt: alts(netDown)},
	{text: "\" is not bearer", cause: regError, weight: wLikely, alt: alts(netDown)}, // challenge scheme "negotiate" is not bearer
	{text: "no supported grant type", cause: regError, weight: wLikely},
	{text: "authorization server did not include a token in the response", cause: regError, weight: wStrong},
	// go-containerregistry prints the answer after it: where that is an
	// error of its own (DENIED), the error is the finding.
	{text: "no token in bearer response", cause: regError, weight: wHint + 5, alt: alts(noPerm, badCreds)},
	{text: "empty token returned", cause: regError, weight: wStrong},
	// A token answer that is not JSON: an HTML page from a proxy, a WAF or
	// the registry's front end.
	{text: "unable to decode token response", cause: regError, weight: wLikely, alt: alts(netDown, firewall)},
	{text: "failed to decode response: invalid character '<'", cause: regError, weight: wLikely, alt: alts(netDown, firewall)}, // oras-go v2
	{text: "unable to reach trust server at this time", cause: regError, weight: wLikely, alt: alts(netDown)},                  // notary
	{text: "decoding bearer token", cause: regError, weight: wLikely, alt: alts(netDown, firewall)},
	{text: "unknown: unknown error", cause: regError, weight: wLikely, alt: alts(netDown)},
	{text: "unsupported: the operation is unsupported", cause: regError, weight: wLikely},
	{text: "no error details found in http response body", cause: regError, weight: wHint, alt: alts(netDown)},
	{text: "stopped after 10 redirects", cause: regError, weight: wLikely, alt: alts(netDown)},
	// Jib's advice for a registry that speaks plain HTTP.
	{text: "use a registry that supports https", cause: tlsFail, weight: wStrong, alt: alts(netDown)},
	// Jib and JKube refusing a registry that fails TLS unless it is
	// allowed to be insecure (-Djib.allowInsecureRegistries).
	{text: "because only secure connections are allowed", cause: tlsFail, weight: wStrong},
	// Jib's suggestions after a failed build (jib-plugins-common
	// HelpfulSuggestions) and its registry errors (jib-core registry).
	{text: "perhaps you should make sure you have permissions for", cause: noPerm, weight: wLikely, alt: alts(badCreds)},
	{text: "perhaps you should make sure your internet is up", cause: netDown, weight: wLikely},
	{text: "perhaps you should make sure that the registry you configured exists", cause: regName, weight: wHint, alt: alts(netDown)}, // said for any unknown host
	{text: "perhaps you should make sure docker is installed", cause: dockerEnv, weight: wStrong},
	{text: "but failed because: manifest unknown", cause: regName, weight: wLikely, class: noImage, alt: alts(noPerm)},
	{text: "but did not return any details; possible causes include invalid or wrong reference", cause: regName, weight: wLikely, alt: alts(netDown)},
	{text: "'realm' was not found in the 'www-authenticate' header", cause: regError, weight: wStrong},
	{text: "has nothing for server url", cause: credStore, weight: wLikely, alt: alts(badCreds)},
	// The .NET SDK's container publishing (dotnet/sdk
	// src/Containers/Microsoft.NET.Build.Containers/Resources/Strings.resx),
	// by code, which stays when the message is translated.
	{text: "container1015", cause: regName, weight: wStrong, word: true, class: noImage},            // RepositoryNotFound
	{text: "container1016", cause: noPerm, weight: wLikely, word: true, alt: alts(badCreds)},        // UnableToAccessRepository
	{text: "container1017", cause: netDown, weight: wLikely, word: true, alt: alts(regName)},        // RegistryOperationFailed
	{text: "container1002", cause: regName, weight: wLikely, word: true, alt: alts(noPerm)},         // AmazonRegistryFailed: no such repository
	{text: "container1003", cause: regError, weight: wLikely, word: true},                           // InvalidTokenResponse
	{text: "container1012", cause: dockerEnv, weight: wStrong, word: true},                          // LocalRegistryNotAvailable
	{text: "container2003", cause: regName, weight: wLikely, word: true, alt: alts(regError)},       // UnknownMediaType: a page, not a manifest
	{text: "container2004", cause: regError, weight: wLikely, word: true},                           // MissingLinkToRegistry: a layer the registry lost
	{text: "container2012", cause: regName, weight: wStrong, word: true},                            // CouldntRecognizeRegistry
	{text: "container2020", cause: regName, weight: wLikely, word: true, alt: alts(badCreds)},       // BaseImageNameRegistryFallback: Docker Hub
	{text: "container3001", cause: dockerEnv, weight: wStrong, word: true},                          // ContainerRuntimeProcessCreationFailed
	{text: "received status code 'forbidden'", cause: noPerm, weight: wLikely, alt: alts(firewall)}, // CONTAINER1005 and others
	{text: "received status code 'unauthorized'", cause: badCreds, weight: wLikely, class: authFail, alt: authAlt},
	{text: "received status code 'internalservererror'", cause: regError, weight: wLikely},
	// A host that answers, but not as a registry of today.
	{text: "can't talk to a v1 container registry", cause: regName, weight: wLikely, alt: alts(regError)},
	{text: "http: no host in request url", cause: regName, weight: wStrong}, // an empty registry variable
	// ACR's answer for a tag it does not hold, and containerd's for a
	// reference that resolved to nothing.
	{text: "manifest tagged by", cause: regName, weight: wLikely, class: noImage, alt: alts(noPerm)},

	// The Azure services that pull an app's image, and the tasks and
	// deployments that set them up, in their own words. Sources:
	// https://learn.microsoft.com/troubleshoot/azure/azure-container-registry/pull-image-to-web-app-fail,
	// https://learn.microsoft.com/troubleshoot/azure/azure-container-instances/ (InaccessibleImage,
	// RegistryErrorResponse), Azure/aks-canipull main.go (az aks check-acr),
	// microsoft/azure-pipelines-tasks (Docker@2), Azure/login and
	// docker/login-action (action.yml inputs), Azure/azure-dev, Azure ML's
	// image build errors, the .NET Aspire deploy steps.
	{text: "no resource with type microsoft.containerregistry/registries can be found", cause: regName, weight: wStrong, alt: alts(noPerm)},
	{text: "cannot find registry with name", cause: regName, weight: wStrong, alt: alts(noPerm)},
	{text: "parentresourcenotfound", cause: regName, weight: wLikely, alt: alts(noPerm)},
	{text: `invalid value: "/`, cause: regName, weight: wStrong}, // Container Apps: an image whose registry variable was empty
	{text: "not adding any tags to the built image as no repository is specified", cause: regName, weight: wHint},
	{text: "admin user is disabled", cause: badCreds, weight: wStrong, alt: alts(noPerm)},
	{text: "admin user is not enabled", cause: badCreds, weight: wStrong, alt: alts(noPerm)},
	{text: "--admin-enabled true", cause: badCreds, weight: wLikely, alt: alts(noPerm)},
	{text: "authentication failed for container registry", cause: badCreds, weight: wLikely, alt: authAlt},
	{text: "failed to retrieve credentials for container registry", cause: badCreds, weight: wLikely, alt: alts(regName)},
	{text: "failed to retrieve container registry credentials", cause: badCreds, weight: wLikely, alt: alts(noPerm)},
	{text: "could not fetch access token for managed service principal", cause: badCreds, weight: wLikely, alt: alts(noPerm)},
	{text: "docker registry service connection not specified", cause: badCreds, weight: wLikely},
	{text: "input required and not supplied: password", cause: badCreds, weight: wLikely, alt: alts(credStore)},
	{text: "input required and not supplied: username", cause: badCreds, weight: wLikely, alt: alts(credStore)},
	{text: "not pushing to any registry as no login information was found", cause: badCreds, weight: wHint, alt: alts(regName)},
	{text: "double check if the 'auth-type' is correct", cause: badCreds, weight: wHint, alt: alts(expired, notInAAD)},
	{text: "validating service principal credential: failed", cause: expired, weight: wLikely, alt: alts(badCreds)},
	{text: "validating managed identity existance: failed", cause: badCreds, weight: wLikely, alt: alts(noPerm)}, // sic
	{text: "validating image pull permission: failed", cause: noPerm, weight: wStrong},
	{text: "acrtokenexchangeforbidden", cause: noPerm, weight: wStrong},
	{text: "the role assignment takes some time", cause: noPerm, weight: wLikely},
	{text: "the operation is disallowed", cause: noPerm, weight: wLikely, alt: alts(regError)}, // a locked repository or tag
	{text: "we found an issue with outbound network connectivity", cause: netDown, weight: wStrong},
	{text: "unable to resolve container registry", cause: netDown, weight: wLikely, alt: alts(firewall, regName)},
	{text: "an error response is received from the docker registry", cause: regError, weight: wLikely, alt: alts(throttled)},
	// The service's own wrappers around a pull that failed: the image, its
	// registry or the credentials, and nothing says which.
	{text: "is not accessible. please check the image and registry credential", cause: regName, weight: wPossible, alt: alts(badCreds, noPerm)},
	{text: "please check the image name or any registry credentials", cause: regName, weight: wPossible, alt: alts(badCreds, noPerm)},
	{text: "verify docker image configuration and credentials", cause: regName, weight: wPossible, alt: alts(badCreds, noPerm)},
	{text: "image pull failed since inspect image returned null", cause: regName, weight: wPossible, alt: alts(badCreds, noPerm)},
	{text: "one or more container images specified are invalid", cause: regName, weight: wPossible, alt: alts(noPerm, expired)},
	{text: "unable to pull image using managed identity", cause: noPerm, weight: wLikely, alt: alts(badCreds, regName)},

	// TLS and certificates. Sources: Go crypto/x509 and crypto/tls error
	// strings (https://pkg.go.dev/crypto/x509), OpenSSL X509_verify_cert_error_string
	// (https://docs.openssl.org/master/man3/X509_STORE_CTX_get_error/),
	// Python ssl, .NET SslStream, Java PKIX, Windows SChannel.
	{text: "certificate signed by unknown authority", cause: tlsFail, weight: wCertain},
	{text: "self signed certificate", cause: tlsFail, weight: wCertain},
	{text: "self-signed certificate", cause: tlsFail, weight: wCertain},
	{text: "unable to get local issuer certificate", cause: tlsFail, weight: wCertain},
	{text: "certificate verify failed", cause: tlsFail, weight: wStrong + 5},
	{text: "certificate_verify_failed", cause: tlsFail, weight: wStrong + 5},
	{text: "pkix path building failed", cause: tlsFail, weight: wCertain},
	// Java's JSSE, .NET's SslStream and WebClient, Node's tls, curl's
	// CURLE_SSL_CONNECT_ERROR and CURLE_PEER_FAILED_VERIFICATION: a
	// handshake cut or a certificate refused.
	{text: "sslhandshakeexception", cause: tlsFail, weight: wLikely, alt: alts(netDown, firewall)},
	{text: "no subject alternative dns name matching", cause: tlsFail, weight: wStrong, alt: alts(regName)},
	{text: "hostname in certificate didn't match", cause: tlsFail, weight: wStrong, alt: alts(regName)}, // Apache HttpClient 4
	{text: "no alternative certificate subject name matches target host name", cause: tlsFail, weight: wStrong, alt: alts(regName)},
	{text: "does not match certificate's altnames", cause: tlsFail, weight: wStrong + 5, alt: alts(regName)},
	{text: "could not establish trust relationship for the ssl/tls secure channel", cause: tlsFail, weight: wCertain},
	{text: "remote certificate was rejected by the provided remotecertificatevalidationcallback", cause: tlsFail, weight: wStrong},
	{text: "ssl_error_syscall", cause: tlsFail, weight: wLikely, alt: alts(netDown, firewall)},
	{text: "unable to find valid certification path", cause: tlsFail, weight: wCertain},
	{text: "the remote certificate is invalid", cause: tlsFail, weight: wStrong + 5},
	{text: "issued by an authority that is not trusted", cause: tlsFail, weight: wCertain},
	{text: "sec_e_untrusted_root", cause: tlsFail, weight: wCertain},
	{text: "certificate relies on legacy common name field", cause: tlsFail, weight: wStrong + 5},
	{text: "certificate is not trusted", cause: tlsFail, weight: wStrong + 5},
	{text: "certificate is not valid for any names", cause: tlsFail, weight: wStrong},
	{text: "failed to verify certificate", cause: tlsFail, weight: wStrong, class: wrapper},
	{text: "the ssl connection could not be established", cause: tlsFail, weight: wLikely + 10},
	{text: "tls: handshake failure", cause: tlsFail, weight: wStrong},
	{text: "remote error: tls:", cause: tlsFail, weight: wStrong},
	{text: "tls: bad certificate", cause: tlsFail, weight: wStrong},
	{text: "sslerror", cause: tlsFail, weight: wLikely + 10},
	{text: "ssl routines", cause: tlsFail, weight: wLikely + 5},
	{text: "bad handshake", cause: tlsFail, weight: wLikely + 10},
	{text: "x509:", cause: tlsFail, weight: wLikely, class: wrapper},
	{text: "certificate has expired or is not yet valid", cause: tlsFail, weight: wLikely, class: certTime, alt: alts(clock)},
	{text: "certificate has expired", cause: tlsFail, weight: wLikely - 5, class: certTime, alt: alts(clock)},
	{text: "certificate is not yet valid", cause: clock, weight: wLikely + 10, alt: alts(tlsFail)},
	// Other clients that check what they fetch against the clock: Node's
	// and .NET's names for the same certificate failures, Windows' failed
	// revocation check (a proxy that blocks the CRL), apt's "not valid yet".
	// Sources: Node.js tls error codes (https://nodejs.org/api/tls.html),
	// .NET SslPolicyErrors, Windows CRYPT_E_* codes.
	{text: "unable to verify the first certificate", cause: tlsFail, weight: wCertain},
	{text: "unable_to_verify_leaf_signature", cause: tlsFail, weight: wCertain},
	{text: "unable_to_get_issuer_cert_locally", cause: tlsFail, weight: wCertain},
	// The client's own certificate files for a registry (containerd's
	// certs.d, buildkitd.toml, the daemon's certs.d).
	{text: "failed to load x509 key pair", cause: tlsFail, weight: wStrong},
	// The same files as the daemon (moby daemon/pkg/registry), containerd
	// (hosts.toml), ctr, BuildKit (buildkitd.toml) and cosign read them.
	{text: "missing client certificate", cause: tlsFail, weight: wStrong},
	{text: "ca certificates must use the extension .crt", cause: tlsFail, weight: wStrong},
	{text: "failed to load tls cas from", cause: tlsFail, weight: wStrong},
	{text: "unable to load ca cert", cause: tlsFail, weight: wStrong},
	{text: "unable to read cert file", cause: tlsFail, weight: wStrong},
	{text: "/etc/buildkit/certs/", cause: tlsFail, weight: wLikely},
	{text: "no valid ca certs found in", cause: tlsFail, weight: wStrong},
	{text: "unable to get tls config for registry", cause: tlsFail, weight: wStrong},
	// Advice printed after HTTPS failed against a registry that speaks HTTP
	// (nerdctl, regctl).
	{text: "you may want to try --insecure-registry to allow plain http", cause: tlsFail, weight: wLikely},
	{text: "registry set --tls disabled", cause: tlsFail, weight: wLikely},
	{text: "failed to load keypair", cause: tlsFail, weight: wStrong},
	{text: "private key does not match public key", cause: tlsFail, weight: wCertain},
	{text: "failed to find any pem data", cause: tlsFail, weight: wStrong},
	{text: "unable to read ca cert", cause: tlsFail, weight: wStrong},
	{text: "self_signed_cert_in_chain", cause: tlsFail, weight: wCertain},
	{text: "depth_zero_self_signed_cert", cause: tlsFail, weight: wCertain},
	{text: "cert_has_expired", cause: tlsFail, weight: wLikely - 5, class: certTime, alt: alts(clock)},
	{text: "remotecertificatechainerrors", cause: tlsFail, weight: wStrong + 5},
	{text: "remotecertificatenamemismatch", cause: tlsFail, weight: wStrong, alt: alts(regName)},
	{text: "unable to check revocation", cause: tlsFail, weight: wStrong, alt: alts(netDown)},
	{text: "crypt_e_no_revocation_check", cause: tlsFail, weight: wStrong, alt: alts(netDown)},
	{text: "crypt_e_revocation_offline", cause: tlsFail, weight: wStrong, alt: alts(netDown)},
	// TLS spoken to something that is not TLS: a proxy set as https:// or
	// a port that speaks HTTP.
	{text: "first record does not look like a tls handshake", cause: netDown, weight: wLikely, alt: alts(tlsFail)},
	// Go's TLS reading a plain HTTP answer as a record: a port (a registry's,
	// a daemon's 2376) that speaks HTTP where TLS was asked.
	{text: "tls: oversized record received", cause: tlsFail, weight: wLikely, alt: alts(netDown)},
	{text: "wrong version number", cause: netDown, weight: wHint + 5, alt: alts(tlsFail)},
	{text: "tls handshake timeout", cause: netDown, weight: wStrong},
	// Windows' own words for a socket out of buffers (WSAENOBUFS, port
	// exhaustion) and a connection that timed out (ERROR_SEM_TIMEOUT).
	{text: "because the system lacked sufficient buffer space", cause: netDown, weight: wLikely},
	{text: "the semaphore timeout period has expired", cause: netDown, weight: wLikely},
	// A pull or push that stalls or comes back damaged: the network, or a
	// proxy that cuts what passes (containerd CRI, moby distribution).
	{text: "because of no progress in", cause: netDown, weight: wLikely, alt: alts(regError)},
	{text: "filesystem layer verification failed for digest", cause: netDown, weight: wLikely, alt: alts(regError)},

	// The network. Sources: Go net and net/http error strings
	// (https://pkg.go.dev/net, https://pkg.go.dev/net/http), glibc
	// strerror and gai_strerror, Python urllib3 and requests, .NET
	// HttpClient, curl (https://curl.se/libcurl/c/libcurl-errors.html).
	{text: "i/o timeout", cause: netDown, weight: wStrong},
	{text: "due to the configured httpclient.timeout", cause: netDown, weight: wStrong}, // .NET
	{text: "socketexception: connection reset", cause: netDown, weight: wStrong},        // Java
	{text: "couldn't connect to server", cause: netDown, weight: wStrong},               // curl (7)
	{text: "timeout was reached", cause: netDown, weight: wStrong},                      // curl (28)
	{text: "empty reply from server", cause: netDown, weight: wLikely, alt: alts(firewall, regError)},
	{text: "context deadline exceeded", cause: netDown, weight: wLikely + 10},
	{text: "client.timeout exceeded", cause: netDown, weight: wStrong},
	{text: "request canceled while waiting for connection", cause: netDown, weight: wStrong},
	{text: "request canceled", cause: netDown, weight: wLikely + 5},
	{text: "proxyconnect tcp", cause: netDown, weight: wStrong + 5},
	{text: "error connecting to proxy", cause: netDown, weight: wStrong + 5}, // Go's net/http before 1.9
	{text: "proxy authentication required", cause: netDown, weight: wStrong + 5},
	{text: "proxyerror", cause: netDown, weight: wStrong},
	// Microsoft's forward proxies (ISA, Forefront TMG) answer in their own
	// words: "Proxy Error ( The specified Secure Sockets Layer (SSL) port
	// is not allowed … )".
	{text: "proxy error ( ", cause: netDown, weight: wStrong},
	{text: "is not configured to allow ssl requests from this port", cause: netDown, weight: wCertain},
	{text: "unable to connect to proxy", cause: netDown, weight: wStrong},
	{text: "server misbehaving", cause: netDown, weight: wStrong},
	{text: "tunnel connection failed", cause: netDown, weight: wStrong + 5},         // a proxy refused CONNECT
	{text: "socket hang up", cause: netDown, weight: wLikely + 5},                   // Node.js
	{text: "requesterror: send request failed", cause: netDown, weight: wStrong},    // the AWS SDK for Go (v1)
	{text: "image pull aborted due to inactivity", cause: netDown, weight: wLikely}, // Nomad: no bytes for its deadline
	{text: "connect: network is unr", cause: netDown, weight: wStrong},              // a UI's cut of "network is unreachable"
	// A dial whose error the paste cut off: a connection failed, why is
	// not shown.
	{text: "dial tcp:", cause: netDown, weight: wHint, class: wrapper},
	// docker-py's HTTPError for the daemon's 500 on a pull: the daemon's
	// words, when they follow, say which.
	{text: "internal server error for url: http+docker://", cause: regError, weight: wPossible, alt: alts(netDown)},
	{text: "the specified network name is no longer available", cause: netDown, weight: wStrong}, // Windows ERROR_NETNAME_DELETED
	// HTTP where TLS was expected, or the reverse: a proxy set with the
	// wrong scheme, a port that speaks the other protocol.
	{text: "malformed http response", cause: netDown, weight: wLikely, alt: alts(tlsFail)},
	{text: "timed out", cause: netDown, weight: wHint + 5},
	{text: "max retries exceeded with url", cause: netDown, weight: wPossible + 10, class: wrapper, alt: alts(tlsFail, regName)},
	// urllib3's NewConnectionError: the words around the reason that follows.
	{text: "failed to establish a new connection", cause: netDown, weight: wLikely + 10, class: wrapper},
	{text: "connection aborted", cause: netDown, weight: wLikely + 10},
	{text: "remotedisconnected", cause: netDown, weight: wLikely + 10},
	{text: "remote end closed connection without response", cause: netDown, weight: wLikely + 10},
	{text: "unable to connect to the remote server", cause: netDown, weight: wLikely + 5},
	{text: ": eof", cause: netDown, weight: wHint, alt: alts(firewall, tlsFail)},
	{text: "unexpected eof", cause: netDown, weight: wHint, alt: alts(firewall, tlsFail)},
	{text: "use of closed network connection", cause: netDown, weight: wHint},
	{text: "server closed idle connection", cause: netDown, weight: wPossible + 10},
	{text: "could not resolve host", cause: netDown, weight: wLikely + 10, class: dnsMissing},
	{text: "could not resolve proxy", cause: netDown, weight: wCertain},
	{text: "no such host", cause: netDown, weight: wLikely + 10, class: dnsMissing},
	{text: "nodename nor servname provided", cause: netDown, weight: wLikely + 10, class: dnsMissing},
	{text: "getaddrinfo failed", cause: netDown, weight: wLikely + 10, class: dnsMissing},
	{text: "unknownhostexception", cause: netDown, weight: wLikely + 10, class: dnsMissing},
	{text: "unknown host ", cause: netDown, weight: wLikely, class: dnsMissing},                              // Jib's words for it
	{text: "the remote name could not be resolved", cause: netDown, weight: wLikely + 10, class: dnsMissing}, // .NET Framework
	{text: "nameresolutionfailure", cause: netDown, weight: wLikely + 10, class: dnsMissing},
	{text: "non-existent domain", cause: netDown, weight: wLikely + 10, class: dnsMissing},
	{text: "nxdomain", cause: netDown, weight: wLikely + 10, class: dnsMissing},
	{text: "failed to resolve specified fqdn", cause: netDown, weight: wLikely + 10, class: dnsMissing},

	// Credential helpers and the stores behind them. Sources:
	// docker/docker-credential-helpers (client/client.go, pass, secretservice,
	// osxkeychain, wincred: https://github.com/docker/docker-credential-helpers),
	// docker/cli cli/config/credentials/native_store.go, Docker Desktop's
	// helper (docker-credential-desktop), docker-py's StoreError,
	// containers/image pkg/docker/config (podman, skopeo), macOS Security
	// framework result codes (errSecDuplicateItem -25299,
	// errSecInteractionNotAllowed -25308), wincred's CredWrite limits.
	// The helper client's own form: "error getting credentials - err: …, out: `…`".
	{text: "error getting credentials - err", cause: credStore, weight: wStrong + 5},
	{text: "error storing credentials - err", cause: credStore, weight: wStrong + 5},
	{text: "error listing credentials - err", cause: credStore, weight: wStrong},
	{text: "error erasing credentials - err", cause: credStore, weight: wStrong},
	{text: "error saving credentials", cause: credStore, weight: wStrong},
	// containers/image writing the auth Podman's remote client sent (its
	// X-Registry-Auth) into a temporary file; a credsStore it cannot use.
	{text: "error storing credentials in temporary auth file", cause: credStore, weight: wStrong},
	// A credential helper served over HTTP (VS Code's dev containers
	// forward the host's store so): what answers is the helper, not the
	// registry.
	{text: "error retrieving credentials: post \"http://localhost", cause: credStore, weight: wCertain, alt: alts(dockerEnv)},
	// Tools that read the login from config.json themselves and find it
	// missing or malformed (rules_oci authn.bzl, Rancher Desktop's
	// dockerDirManager.ts, Earthly's cloud store, Finch's forwarded
	// helper, Jenkins' docker-commons).
	{text: "auth string must be in form username:password", cause: credStore, weight: wStrong},
	{text: "failed to parse docker config file", cause: credStore, weight: wStrong},
	{text: "underlying library not initialized", cause: credStore, weight: wStrong},
	{text: "failed to lookup credentials for", cause: credStore, weight: wHint + 5, class: wrapper, alt: alts(badCreds)},
	{text: "failed to create credential socket", cause: credStore, weight: wLikely},
	{text: "could not find credentials matching", cause: credStore, weight: wLikely, alt: alts(badCreds)},
	{text: "failed to find docker auth for repo", cause: credStore, weight: wLikely, alt: alts(badCreds)}, // Nomad
	{text: "/.docker/config.json` and `", cause: credStore, weight: wLikely, alt: alts(badCreds)},
	// Other tools say it around their own failure (kubelet's credential
	// provider around a timeout): a wrapper unless nothing else is said.
	{text: "error getting credentials", cause: credStore, weight: wHint + 5, class: wrapper},
	{text: "credentials store error", cause: credStore, weight: wStrong + 5},
	{text: "pass store is uninitialized", cause: credStore, weight: wCertain + 5},
	{text: "pass not initialized", cause: credStore, weight: wCertain + 5},
	{text: "password store is empty", cause: credStore, weight: wCertain},
	{text: "cannot autolaunch d-bus", cause: credStore, weight: wCertain + 5},
	// libsecret starting a D-Bus session for secretservice where there is
	// no desktop session to start one in.
	{text: "error spawning command line 'dbus-launch", cause: credStore, weight: wStrong + 5},
	{text: "org.freedesktop.secrets", cause: credStore, weight: wStrong + 5},
	{text: "org.freedesktop.secret.", cause: credStore, weight: wStrong},
	{text: "org.freedesktop.dbus.error", cause: credStore, weight: wStrong},
	{text: "error from secret service", cause: credStore, weight: wStrong},
	{text: "cannot create an item in a locked collection", cause: credStore, weight: wCertain + 5},
	{text: "no such secret collection", cause: credStore, weight: wStrong + 5},
	{text: "user interaction is not allowed", cause: credStore, weight: wCertain},
	{text: "user interaction not allowed", cause: credStore, weight: wCertain},
	{text: "already exists in the keychain", cause: credStore, weight: wStrong + 5},
	// errSecAuthFailed: the keychain is locked or its password changed;
	// not the registry's verdict on the password.
	{text: "the user name or passphrase you entered is not correct", cause: credStore, weight: wLikely + 10, alt: alts(badCreds)},
	{text: "keychain cannot be found", cause: credStore, weight: wStrong + 5},
	{text: "could not be found in the keychain", cause: credStore, weight: wHint, alt: alts(badCreds)},
	{text: "credentials not found in native keychain", cause: credStore, weight: wHint, alt: alts(badCreds)},
	{text: "the stub received bad data", cause: credStore, weight: wCertain + 5},
	{text: "a specified logon session does not exist", cause: credStore, weight: wCertain + 5},
	{text: "no credentials server url", cause: credStore, weight: wCertain},
	{text: "credentialhelperpkg", cause: credStore, weight: wCertain},
	// Docker Desktop for Windows (18.x) storing a login it was given.
	{text: "dockerlogin.setcredentialinstore", cause: credStore, weight: wStrong},
	{text: "backend.sock", cause: credStore, weight: wLikely, alt: alts(dockerEnv)},
	{text: "dockerbackendapiserver", cause: credStore, weight: wLikely, alt: alts(dockerEnv)},
	// The helper's call found no Docker Desktop backend to answer it: Docker
	// Desktop is not running, which the store's failure follows from.
	{text: "dockerbackendapiserver: the system cannot find the file", cause: dockerEnv, weight: wPossible, alt: alts(credStore)},
	{text: "backend.sock: connect: no such file", cause: dockerEnv, weight: wPossible, alt: alts(credStore)},
	{text: "gpg: decryption failed", cause: credStore, weight: wCertain},
	{text: "gpg: public key decryption failed", cause: credStore, weight: wCertain},
	{text: "gpg: cannot open '/dev/tty'", cause: credStore, weight: wCertain},
	{text: "password encryption aborted", cause: credStore, weight: wCertain},
	{text: "get credentials: illegal base64", cause: credStore, weight: wCertain},
	{text: "illegal base64 data at input byte", cause: credStore, weight: wHint + 5, alt: alts(badCreds)},
	{text: "get credentials:", cause: credStore, weight: wLikely},
	{text: "error parsing the serverurl", cause: credStore, weight: wLikely + 10},
	{text: "can only be used with amazon elastic container registry", cause: credStore, weight: wCertain},
	// The ECR helper's own words (amazon-ecr-credential-helper ecr-login):
	// no AWS credentials to ask with, or the AWS session it has expired.
	{text: "nocredentialproviders", cause: credStore, weight: wStrong, alt: alts(badCreds)},
	{text: "missingregion: could not find region configuration", cause: credStore, weight: wStrong},
	// AWS refusing the keys the ECR login was made with (aws ecr get-login).
	{text: "the security token included in the request is invalid", cause: badCreds, weight: wStrong, alt: alts(expired), fix: awsCreds},
	// The AWS CLI and SDKs (botocore exceptions.py, @aws-sdk credential
	// providers) before ECR is asked: no credential, no region, no route.
	{text: "unable to locate credentials", cause: badCreds, weight: wStrong, noCred: true, alt: alts(credStore), fix: awsCreds},
	{text: "could not load credentials from any providers", cause: badCreds, weight: wStrong, noCred: true, alt: alts(credStore), fix: awsCreds},
	{text: "unable to find environment variable credentials", cause: badCreds, weight: wLikely, noCred: true},
	{text: "partial credentials found in", cause: badCreds, weight: wStrong},
	{text: "the config profile (", cause: badCreds, weight: wLikely}, // "… (ci) could not be found"
	{text: "error when retrieving credentials from container-role", cause: badCreds, weight: wLikely, alt: alts(netDown)},
	{text: "the sso session associated with this profile has expired", cause: expired, weight: wCertain, fix: awsExpired},
	{text: "error loading sso token", cause: expired, weight: wLikely, alt: alts(badCreds)},
	{text: "your session has expired or credentials have changed", cause: expired, weight: wStrong},
	{text: "you must specify a region", cause: regName, weight: wLikely, alt: alts(credStore)},
	{text: "could not connect to the endpoint url", cause: netDown, weight: wLikely, alt: alts(regName)},
	{text: "connect timeout on endpoint url", cause: netDown, weight: wStrong},
	{text: "failed to connect to proxy url", cause: netDown, weight: wStrong},
	// The ECR helper and the AWS SDK for Go v2 (ecr-login api/client.go,
	// config, service/ecr types/errors.go): a registry not ECR's, what the
	// SDK was not given, and ECR's own refusals by exception name.
	{text: "is not a valid repository uri for amazon elastic container registry", cause: regName, weight: wStrong},
	{text: "unsupported aws_ecr_token_type", cause: credStore, weight: wStrong},
	{text: "is not supported by the ecr-login credentials helper", cause: credStore, weight: wLikely},
	{text: "static credentials are empty", cause: badCreds, weight: wStrong, noCred: true},
	{text: "failed to get shared config profile", cause: badCreds, weight: wLikely},
	{text: "retry quota exceeded", cause: throttled, weight: wLikely},
	{text: "failed to load custom ca bundle pem file", cause: tlsFail, weight: wStrong},
	{text: "repositorynotfoundexception", cause: regName, weight: wStrong, class: noImage, alt: alts(noPerm)},
	{text: "imagenotfoundexception", cause: regName, weight: wStrong, class: noImage, alt: alts(noPerm)},
	{text: "limitexceededexception", cause: throttled, weight: wLikely},
	{text: "layerinaccessibleexception", cause: noPerm, weight: wLikely},
	{text: "kmsexception", cause: noPerm, weight: wLikely},
	{text: "unabletogetupstreamimageexception", cause: regName, weight: wLikely, alt: alts(badCreds)},
	{text: "unabletoaccesssecretexception", cause: noPerm, weight: wLikely},
	{text: "secretnotfoundexception", cause: badCreds, weight: wLikely},
	{text: "unabletodecryptsecretvalueexception", cause: noPerm, weight: wLikely},
	{text: "blockedbyorganizationpolicyexception", cause: noPerm, weight: wStrong},
	// Google's helpers (docker-credential-gcr, go-containerregistry's
	// google keychain): gcloud missing, lapsed or asking for a browser.
	{text: "could not retrieve gcr's access token", cause: credStore, weight: wLikely, alt: alts(expired)},
	{text: "docker-credential-gcr/helper: token was invalid", cause: expired, weight: wLikely, alt: alts(credStore)},
	{text: "unknown token source", cause: credStore, weight: wStrong},
	{text: "unsupported token source", cause: credStore, weight: wStrong},
	{text: "reauth required; opening a browser", cause: expired, weight: wStrong},
	{text: "unable to authenticate user: unable to open browser", cause: expired, weight: wLikely},
	{text: "error executing `gcloud config config-helper`", cause: credStore, weight: wLikely, alt: alts(expired)},
	{text: "failed to parse `gcloud config config-helper` output", cause: credStore, weight: wLikely},
	{text: "gcloud binary not found", cause: credStore, weight: wLikely},
	{text: "failed to get any google credentials, falling back to anonymous", cause: badCreds, weight: wLikely, noCred: true},
	// docker-credential-acr-env, without the service principal it reads.
	{text: "failed to acquire sp token", cause: badCreds, weight: wLikely, alt: alts(credStore)},
	{text: "invalid token: expected two parts", cause: credStore, weight: wLikely},
	{text: "expiredtokenexception", cause: expired, weight: wStrong, alt: alts(credStore)},
	{text: "the security token included in the request is expired", cause: expired, weight: wCertain, fix: awsExpired},
	// gcloud as Docker's helper (credHelpers "gcr.io": "gcloud"): its own
	// credential file gone, as a CI step that cleaned up leaves it.
	{text: "(gcloud.auth.docker-helper)", cause: credStore, weight: wStrong, alt: alts(expired)},
	// Auth entries and settings no client can read: docker/cli configfile
	// (DOCKER_AUTH_CONFIG, auths), go-containerregistry authn and oras-go
	// credentials (an auth that is not base64 of user:password),
	// containers/image pkg/docker/config and containers/common pkg/auth.
	{text: "invalid auth configuration file", cause: credStore, weight: wStrong},
	{text: "no credential file found at", cause: credStore, weight: wStrong},                                    // actions/attest-build-provenance
	{text: "could not get the credentials store", cause: credStore, weight: wStrong},                            // notation, oras-go
	{text: "unable to instantiate docker credentials store", cause: credStore, weight: wStrong},                 // nerdctl
	{text: "failed to parse cnb_registry_auth", cause: credStore, weight: wStrong},                              // buildpacks lifecycle
	{text: "parsing auth header: unknown auth type", cause: credStore, weight: wLikely},                         // buildpacks lifecycle
	{text: "unable to resolve credentials: unable to load credentials", cause: credStore, weight: wLikely},      // stereoscope
	{text: "a credentials store is required to securely store the password", cause: credStore, weight: wStrong}, // notation
	{text: "invalid decoded auth", cause: credStore, weight: wStrong, entry: true},                              // containerd CRI: an auth with no ':'
	{text: "credentials store config was not set up", cause: credStore, weight: wStrong},
	{text: "docker_auth_config environment variable is missing key", cause: credStore, weight: wStrong},
	{text: "docker_auth_config does not support more than one json object", cause: credStore, weight: wStrong},
	{text: "must be formatted as base64(username:password)", cause: credStore, weight: wStrong, entry: true},
	{text: "does not conform the base64(username:password) format", cause: credStore, weight: wStrong, entry: true},
	{text: "auth file contains an identity token", cause: credStore, weight: wLikely},
	{text: "set by $xdg_runtime_dir does not exist", cause: credStore, weight: wLikely, alt: alts(dockerEnv)},
	{text: "but docker desktop seems not running", cause: credStore, weight: wCertain, alt: alts(dockerEnv)},
	{text: "not logged into", cause: badCreds, weight: wHint, class: authFail, noCred: true, alt: alts(credStore)},
	// Drone's docker plugin, run without the registry's secrets.
	// oras-go v1, asked for a registry's Basic login with no credential.
	{text: "credential required for basic auth", cause: badCreds, weight: wStrong, noCred: true, alt: alts(credStore)},
	// docker/cli's login (cli/command/registry), nerdctl's, containers/
	// common's and oras': what they were not given, or could not ask for.
	{text: "stored credentials invalid or expired", cause: badCreds, weight: wStrong, alt: alts(expired)},
	{text: "username is empty", cause: badCreds, weight: wLikely, noCred: true},
	{text: "error: username is required", cause: badCreds, weight: wLikely, noCred: true},
	{text: "error: password is required", cause: badCreds, weight: wLikely, noCred: true},
	{text: "too many 401 (probably)", cause: badCreds, weight: wStrong},
	{text: "stdin is not a terminal (hint: use `nerdctl login", cause: badCreds, weight: wLikely, noCred: true, alt: alts(dockerEnv)},
	{text: "cannot prompt for username without stdin", cause: badCreds, weight: wLikely, noCred: true, alt: alts(dockerEnv)},
	{text: "basic credential not found", cause: badCreds, weight: wStrong, noCred: true, alt: alts(credStore)},
	{text: "missing username or password for bearer auth", cause: badCreds, weight: wStrong, noCred: true, alt: alts(credStore)},
	{text: "colons(:) are not allowed in username", cause: badCreds, weight: wStrong},
	{text: "username can't be empty", cause: badCreds, weight: wStrong, noCred: true},    // skopeo --creds
	{text: "credentials can't be empty", cause: badCreds, weight: wStrong, noCred: true}, // skopeo --creds
	{text: "registry disallows tag list retrieval", cause: noPerm, weight: wLikely},
	{text: "registry credential stored in the authentication file", cause: badCreds, weight: wLikely, alt: alts(credStore)},
	// BuildKit's progress line for the token it asked for.
	{text: "error [auth]", cause: badCreds, weight: wLikely, class: authFail, alt: authAlt},
	{text: "registry credentials not provided", cause: badCreds, weight: wLikely + 10, noCred: true, alt: alts(credStore)},
	// BuildKit asks the client (docker buildx, and through it Docker's
	// credential helper) for credentials over its session: a helper that
	// hangs shows as a deadline there.
	{text: "credentials from session", cause: credStore, weight: wLikely + 15, alt: alts(netDown)},
	{text: "auth token from session", cause: credStore, weight: wLikely + 15, alt: alts(netDown)},
	// The kubelet's credential provider plugins (acr-credential-provider).
	{text: "failed getting credential from external registry credential provider", cause: credStore, weight: wStrong},
	{text: "error execing credential provider plugin", cause: credStore, weight: wStrong},
	// AKS's acr-credential-provider (kubernetes-sigs/cloud-provider-azure
	// pkg/credentialprovider, cmd/acr-credential-provider), as the kubelet
	// logs it.
	{text: "failed to initialize acr provider", cause: credStore, weight: wStrong},
	{text: "error running acr credential provider", cause: credStore, weight: wLikely},
	{text: "failed to receive challenge", cause: regError, weight: wLikely, alt: alts(netDown)},
	{text: "failed to reach auth url", cause: netDown, weight: wLikely, alt: alts(firewall)},
	{text: "failed to perform token exchange", cause: regError, weight: wHint + 5, alt: alts(netDown, badCreds)},
	{text: "credential provider plugin did not return", cause: credStore, weight: wStrong},
	{text: "plugin binary directory", cause: credStore, weight: wStrong},
	// The helper protocol's own refusals (docker-credential-helpers
	// credentials/error.go), as podman and docker print them.
	{text: "no credentials username", cause: credStore, weight: wStrong},
	{text: `remove "credsstore"`, cause: credStore, weight: wLikely + 10},
	{text: "log in to the docker cli using tokens", cause: credStore, weight: wStrong},

	// Time, as the sign-in libraries and JWT checks state it. Sources:
	// MSAL's id_token validation (msal-python oidc.py), golang-jwt
	// (ErrTokenNotValidYet, "token used before issued"), Kerberos
	// KRB_AP_ERR_SKEW, kubectl's "<invalid>" for event ages in the future.
	{text: "id token is not yet valid", cause: clock, weight: wCertain},
	{text: "make sure your computer's time", cause: clock, weight: wCertain},
	{text: "token used before issued", cause: clock, weight: wCertain},
	{text: "token is not valid yet", cause: clock, weight: wCertain},
	{text: "token not yet valid", cause: clock, weight: wStrong},
	{text: "is not valid yet (invalid for another", cause: clock, weight: wCertain}, // apt
	// Storage services that refuse a request signed at another time:
	// Azure Storage, S3.
	{text: "request date header too old", cause: clock, weight: wStrong},
	{text: "requesttimetooskewed", cause: clock, weight: wCertain},
	{text: "clock skew", cause: clock, weight: wStrong},
	// AWS (ECR's token service): a request signed at a time the service
	// calls too old.
	{text: "is now earlier than", cause: clock, weight: wLikely + 10},
	// Google Cloud's VPC Service Controls, the network rule of a project.
	{text: "request is prohibited by organization's policy", cause: firewall, weight: wCertain},
	// distribution's registry logs the expiry of the token it refuses.
	{text: "token not to be used after", cause: expired, weight: wStrong},
	{text: "time skew", cause: clock, weight: wStrong},
	{text: "<invalid> (x", cause: clock, weight: wPossible + 5},

	// Names Docker will not take. Sources: distribution/reference errors
	// (ErrReferenceInvalidFormat, ErrNameContainsUppercase), containerd's
	// reference parser.
	{text: "invalid reference format", cause: regName, weight: wStrong + 5},
	{text: "invalid image reference", cause: regName, weight: wStrong},
	// A mirror that serves only the images on its list (DaoCloud's, the
	// pull-through proxies Chinese networks use): this one is not there,
	// so it is pulled from where it lives or through another mirror.
	{text: "image is not in the allowlist", cause: regName, weight: wStrong, alt: alts(noPerm), fix: mirrorAllowlist},
	{text: "镜像不在白名单", cause: regName, weight: wStrong, alt: alts(noPerm), fix: mirrorAllowlist},
	{text: "image does not exist in the library", cause: regName, weight: wStrong}, // Apptainer's library://
	{text: "no ecr repository named", cause: regName, weight: wStrong},             // cdk-assets: an account not bootstrapped
	// faas-cli: an image with no account or registry in front goes nowhere
	// it may push.
	{text: "must provide a username or registry prefix", cause: regName, weight: wStrong},
	{text: "could not find image \"", cause: regName, weight: wLikely, class: noImage}, // flyctl
	// The kubelet's reason for an image it cannot parse, and containerd's
	// for a short name it will not complete (kubernetes pkg/kubelet/images,
	// containerd reference/docker).
	{text: "invalidimagename", cause: regName, weight: wStrong, word: true},
	{text: "repository name must be canonical", cause: regName, weight: wStrong},
	// References other parsers will not take (go-containerregistry name,
	// oras-go and notation reference, containers/common's login key).
	{text: "image reference must not contain a url scheme", cause: regName, weight: wCertain},
	{text: "repository can only contain the characters", cause: regName, weight: wStrong},
	{text: "invalid reference: invalid repository", cause: regName, weight: wStrong},
	{text: "invalid reference: no tag or digest", cause: regName, weight: wStrong},
	{text: "contains tag or digest", cause: regName, weight: wStrong},
	// A name left out, as an unset variable leaves it (buildah, skopeo,
	// buildx, Compose), or one no transport or store knows.
	{text: "please specify a registry to login to", cause: regName, weight: wStrong},
	{text: "error: registry must be given", cause: regName, weight: wStrong},
	{text: `invalid image name ""`, cause: regName, weight: wStrong},
	{text: "tag is needed when pushing to registry", cause: regName, weight: wStrong},
	{text: "can't push with no tags specified", cause: regName, weight: wStrong},
	{text: "attribute is mandatory to push an image", cause: regName, weight: wLikely},
	{text: "invalid destination name", cause: regName, weight: wStrong},
	{text: "does not specify a transport", cause: regName, weight: wStrong},
	{text: "image may not exist", cause: regName, weight: wLikely, alt: alts(noPerm)},
	{text: ": image not known", cause: regName, weight: wLikely}, // podman push of a name not tagged here
	// CI runners and build tools around the image's name (gitlab-runner,
	// ko, pack and lifecycle, skaffold, tilt).
	{text: "with specified policies [never]", cause: regName, weight: wLikely},
	{text: "is not present on list of allowed images", cause: regName, weight: wLikely},
	// A Windows host pulling an image built for a newer Windows (moby
	// distribution/pull_v2_windows.go): the tag is to change, as for
	// "no matching manifest for windows/amd64 10.0.N".
	{text: "-based image is incompatible with a", cause: regName, weight: wStrong, alt: alts(dockerEnv)},
	{text: "no docker image specified to run the build in", cause: regName, weight: wStrong},
	{text: "ko_docker_repo environment variable is unset", cause: regName, weight: wStrong},
	{text: "or a $ko_docker_repo environment variable", cause: regName, weight: wStrong}, // goreleaser's ko pipe
	{text: "does not exist in registry", cause: regName, weight: wLikely, class: noImage, alt: alts(noPerm)},
	{text: "does not exist on the daemon", cause: regName, weight: wLikely},
	{text: "builder metadata is missing run-image", cause: regName, weight: wLikely},
	{text: "is not defined in your config file", cause: regName, weight: wLikely},
	{text: "not found or deleted. check your gcr project", cause: regName, weight: wStrong},
	{text: "no domain in container name", cause: regName, weight: wStrong},
	{text: "no push access to specified image repository", cause: noPerm, weight: wStrong, alt: alts(regName, badCreds)},
	{text: "failed to ensure registry read/write access", cause: noPerm, weight: wLikely, alt: alts(badCreds)},
	// Helm given an image, not a chart.
	{text: "manifest does not contain minimum number of descriptors", cause: regName, weight: wLikely},
	// docker manifest inspect, when no endpoint has it (docker/cli registryclient).
	{text: "no such manifest:", cause: regName, weight: wLikely, class: noImage, alt: alts(badCreds)},
	// cri-o, given a short name with no registry to complete it with
	// (containers/image pkg/shortnames, cri-o internal/storage).
	{text: "no registries configured while trying to pull an unqualified image", cause: regName, weight: wStrong,
		fix: []string{"name the image with its registry (docker.io/library/nginx:1.25, myreg.azurecr.io/app:1), or list a registry under unqualified-search-registries in /etc/containers/registries.conf"}},
	// The kubelet (pkg/kubelet/images image_manager.go), for a registry it
	// could not reach.
	{text: "because the registry is unavailable", cause: netDown, weight: wLikely + 5, alt: alts(regError)},
	{text: "registryunavailable", cause: netDown, weight: wLikely, word: true, alt: alts(regError)}, // the same, as an event's reason
	// A pod's pull secret the kubelet could not read: the pull goes
	// without it (kubelet.go, kubelet_pods.go).
	{text: "unable to retrieve some image pull secrets", cause: badCreds, weight: wLikely + 5, noCred: true},
	{text: "unable to retrieve pull secret, the image pull may not succeed", cause: badCreds, weight: wLikely + 5, noCred: true},
	// kind, for an image it was told to load that is not in Docker, and a
	// Docker it cannot ask.
	{text: "not present locally", cause: regName, weight: wLikely},
	{text: "failed to get docker info", cause: dockerEnv, weight: wLikely},
	// GitOps controllers (Flux's source-controller and flux CLI, Argo CD's
	// repo server) on an OCI repository: a URL, a provider or a version
	// they cannot use, a secret they cannot find.
	{text: "url validation failed for", cause: regName, weight: wStrong},
	{text: "'oci' url scheme cannot be used with 'default' helmrepository type", cause: regName, weight: wStrong},
	{text: "oci helm repository url should include hostname and port only", cause: regName, weight: wStrong},
	{text: "invalid azure registry", cause: regName, weight: wStrong},
	{text: "invalid aws registry", cause: regName, weight: wStrong},
	{text: "no match found for semver", cause: regName, weight: wLikely},
	{text: "unable to locate any tags", cause: regName, weight: wLikely},
	{text: "no version for constraints", cause: regName, weight: wLikely},
	{text: "failed to get credential: failed to get secret", cause: badCreds, weight: wLikely, noCred: true, alt: alts(credStore)},
	{text: "failed to configure oci registry authentication: no auth config for", cause: badCreds, weight: wLikely, noCred: true, alt: alts(credStore)},
	{text: "failed timeout after", cause: netDown, weight: wHint + 5, alt: alts(regError)},
	// trivy, for an image found in neither the engines nor the registry.
	{text: "unable to find the specified image", cause: regName, weight: wLikely, alt: alts(badCreds)},
	// k3s' and RKE2's registries.yaml, read by rancher/wharfie.
	{text: "ignoring invalid endpoint", cause: regName, weight: wLikely},
	{text: "failed to get tls config for endpoint", cause: tlsFail, weight: wStrong},
	// The distribution spec's NAME_UNKNOWN without its code (errcode
	// register.go), as clients print an error's message alone.
	{text: "repository name not known to registry", cause: regName, weight: wStrong, class: noImage, alt: alts(noPerm)},
	// Harbor (src/server/middleware: v2auth, immutable, repoproxy) and
	// Quay (endpoints/v2/errors.py, v2auth.py) refusing in their own words.
	{text: "project not found", cause: regName, weight: wStrong, alt: alts(noPerm)},
	{text: "configured as immutable", cause: noPerm, weight: wStrong,
		fix: []string{"push under a new tag: the project's immutability rule forbids replacing this one (Harbor: Project, Policy, Tag Immutability)"}},
	{text: "can not push artifact to a proxy project", cause: regName, weight: wCertain,
		fix: []string{"push to a project of its own: a proxy-cache project only pulls through from its upstream registry"}},
	{text: "is currently read-only", cause: regError, weight: wStrong},
	{text: "has been geo-ip blocked", cause: firewall, weight: wCertain},
	// Azure Front Door's web application firewall, in front of MCR and
	// other services: its block page, passed on as the registry's answer.
	{text: "<h2>the request is blocked.</h2>", cause: firewall, weight: wStrong, alt: alts(netDown), fix: []string{
		"the service's edge (Azure Front Door's web application firewall) refused this client, not a rule of yours: retry from another network or address, and quote the page's Ref A, B and C to the service's support",
	}},
	{text: "tag has expired", cause: regName, weight: wStrong},
	{text: "is for managing application and not container images", cause: regName, weight: wCertain},
	// A forward proxy's block page, passed on as the registry's answer
	// (Squid's "administrative rules").
	{text: "forbidden by administrative rules", cause: netDown, weight: wStrong, alt: alts(firewall)},
	// containers/common pkg/auth: the stored login it checked first fails,
	// before it asks for another: what failed next is the news.
	{text: "existing credentials are invalid", cause: badCreds, weight: wPossible, alt: alts(expired)},
	// Google's Artifact Registry (and gcr.io, which it serves) refusing a
	// request: a role missing on the repository, or no credential sent.
	{text: "unauthenticated requests do not have permission", cause: noPerm, weight: wStrong, alt: alts(badCreds)},
	{text: "artifactregistry.repositories.downloadartifacts", cause: noPerm, weight: wLikely, alt: alts(badCreds)},
	{text: "artifactregistry.repositories.uploadartifacts", cause: noPerm, weight: wLikely, alt: alts(badCreds)},
	// kubectl, when the address answers no one.
	{text: "was refused - did you specify the right host or port", cause: netDown, weight: wStrong},
	{text: "must be lowercase", cause: regName, weight: wStrong + 5},
	{text: "must use only lowercase", cause: regName, weight: wStrong + 5},
	{text: "could not parse reference", cause: regName, weight: wStrong},
	// containers/image's short names: a reference with no registry and no
	// search registry to complete it.
	{text: "no unqualified-search registries are defined", cause: regName, weight: wCertain},
	{text: "short-name resolution enforced but cannot prompt without a tty", cause: regName, weight: wCertain},
	{text: "did not resolve to an alias and no containers-registries.conf(5) was found", cause: regName, weight: wCertain},
	{text: "unable to parse server address", cause: regName, weight: wStrong}, // the daemon's login
	// ORAS and Helm's registry client (oras-go registry.ParseReference):
	// a scheme or a path where a registry host goes.
	{text: "invalid reference: invalid registry", cause: regName, weight: wStrong + 5},
	// Docker Hub's token service, asked for a repository whose registry
	// part was empty ("/team/app" from "${REGISTRY}/team/app").
	{text: "invalid repository name", cause: regName, weight: wLikely + 10},
	// Azure services that take a registry server in their own settings,
	// refusing its value. Sources: the error messages of Azure Container
	// Instances (imageRegistryCredentials), Container Apps
	// (ContainerAppInvalidRegistryServerValue) and Batch
	// (ContainerInvalidRegistry).
	{text: "it should be a valid host name without protocol", cause: regName, weight: wStrong},
	// ACI: a registry credential naming an identity the group was not given.
	{text: "not found in container group identity list", cause: badCreds, weight: wStrong, alt: alts(noPerm)},
	{text: "containerappinvalidregistryservervalue", cause: regName, weight: wCertain},
	{text: "property 'registries.server' has an invalid value", cause: regName, weight: wCertain},
	{text: "containerinvalidregistry", cause: regName, weight: wStrong},
	{text: "container registries specified are invalid", cause: regName, weight: wStrong},
}

func emitPhrase(c *lineCtx, p *phrase) {
	s := signal{Cause: p.cause, Weight: p.weight, Class: p.class, Alt: p.alt, What: p.text, noCred: p.noCred, fix: p.fix}
	if p.hub {
		s.Target = hubTarget
	}
	if p.entry && nodePull(c.line) {
		s.Cause, s.Alt = badCreds, alts(credStore)
		s.What += ": the pull secret's auth"
	}
	if p.class == certTime && daemonAPI(c.lo) {
		// A remote daemon's own certificate (docker-machine's, a CI's):
		// not a registry's, whose validity would point at the clock.
		s.Class, s.Alt = plain, alts(dockerEnv, clock)
		s.What += ": the Docker daemon's certificate"
	}
	if p.class == dnsMissing {
		dnsSignal(c, s)
		return
	}
	c.emit(s)
}
