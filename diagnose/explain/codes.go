package explain

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
)

// A code is one entry of a documented table of error codes: the code as its
// source writes it, and the cause it points to.
type code struct {
	code   string
	cause  cause.ID // "" for the codes in notAccess: known, and not an access failure
	weight int
	class  class
	alt    []cause.ID
	what   string // the source's name or title for it
}

// aadstsCodes are the Microsoft Entra (Azure AD) security token service
// codes about signing in, tokens, applications, secrets, certificates,
// federated credentials, the clock and Conditional Access: what `az login`,
// azure/login, azidentity, MSAL and ADAL print before a registry is asked.
//
// Source: https://learn.microsoft.com/entra/identity-platform/reference-error-codes
// (MicrosoftDocs/entra-docs docs/identity-platform/reference-error-codes.md,
// 2024-04-24); codes marked "lookup" are not on that page and come from
// https://login.microsoftonline.com/error?code=N.
var aadstsCodes = []code{
	// The identity does not exist or its secret, certificate or assertion is wrong.
	{code: "16000", cause: badCreds, weight: wLikely, what: "InteractionRequired: account not in tenant"},
	{code: "50020", cause: badCreds, weight: wLikely, what: "UserUnauthorized: account from another identity provider"},
	{code: "50034", cause: badCreds, weight: wStrong - 5, what: "UserAccountNotFound"},
	{code: "50126", cause: badCreds, weight: wCertain, what: "InvalidUserNameOrPassword"},
	{code: "50056", cause: badCreds, weight: wStrong, what: "invalid or null password"},
	{code: "50053", cause: badCreds, weight: wLikely + 10, what: "IdsLocked: account locked"},
	{code: "50057", cause: badCreds, weight: wStrong, what: "UserDisabled"},
	{code: "50064", cause: badCreds, weight: wStrong, what: "CredentialAuthenticationError"},
	{code: "70002", cause: badCreds, weight: wCertain, what: "InvalidClient: client_secret does not match"},
	{code: "7000215", cause: badCreds, weight: wCertain, what: "invalid client secret", alt: alts(expired)},
	{code: "7000218", cause: badCreds, weight: wStrong, what: "no client_assertion or client_secret"},
	{code: "700025", cause: badCreds, weight: wLikely, what: "InvalidClientPublicClientWithCredential"},
	{code: "700027", cause: badCreds, weight: wStrong, what: "client assertion failed signature validation"},
	{code: "700030", cause: badCreds, weight: wStrong, what: "certificate subject name not authorized"},
	{code: "50012", cause: badCreds, weight: wLikely + 10, what: "AuthenticationFailed: signing certificate or assertion", alt: alts(expired, clock)},
	{code: "50003", cause: badCreds, weight: wLikely + 10, what: "MissingSigningKey"},
	{code: "50006", cause: badCreds, weight: wLikely + 10, what: "InvalidSignature"},
	{code: "50027", cause: badCreds, weight: wLikely, what: "InvalidJwtToken", alt: alts(expired, clock)},
	{code: "50048", cause: badCreds, weight: wStrong, what: "SubjectMismatchesIssuer"},
	{code: "50013", cause: badCreds, weight: wLikely, what: "InvalidAssertion", alt: alts(expired, clock)},
	{code: "50010", cause: badCreds, weight: wLikely, what: "AudienceUriValidationFailed"},
	{code: "70021", cause: badCreds, weight: wCertain, what: "no matching federated identity record (lookup)"},
	{code: "700211", cause: badCreds, weight: wCertain, what: "no matching federated identity record for the issuer (lookup)"},
	{code: "700212", cause: badCreds, weight: wCertain, what: "no matching federated identity record for the audience (lookup)"},
	{code: "700213", cause: badCreds, weight: wCertain, what: "no matching federated identity record for the subject (lookup)"},
	{code: "70025", cause: badCreds, weight: wCertain, what: "no federated identity credentials configured (lookup)"},
	{code: "700229", cause: badCreds, weight: wStrong, what: "ForbiddenTokenType for a federated credential"},
	{code: "90002", cause: badCreds, weight: wStrong, what: "InvalidTenantName: tenant not found"},
	{code: "90038", cause: badCreds, weight: wLikely + 10, what: "NationalCloudTenantRedirection: tenant in another cloud"},
	{code: "50128", cause: badCreds, weight: wLikely + 10, what: "invalid domain name: no tenant"},
	{code: "50059", cause: badCreds, weight: wLikely, what: "MissingTenantRealmAndNoUserInformationProvided"},
	{code: "900144", cause: badCreds, weight: wLikely, what: "a required request parameter is missing"},
	{code: "700005", cause: badCreds, weight: wLikely, what: "InvalidGrantRedeemAgainstWrongTenant"},
	{code: "50194", cause: badCreds, weight: wLikely, what: "application not multitenant: /common not supported"},
	{code: "7000112", cause: badCreds, weight: wStrong, what: "UnauthorizedClientApplicationDisabled"},
	{code: "70001", cause: badCreds, weight: wStrong, what: "UnauthorizedClient: application disabled"},
	{code: "50146", cause: badCreds, weight: wLikely, what: "MissingCustomSigningKey: missing, expired or not yet valid", alt: alts(expired, clock)},
	{code: "50014", cause: badCreds, weight: wHint, what: "GuestUserInPendingState"},
	// The application (client) ID is unknown to the tenant: what ACR says
	// as "Application not registered with AAD".
	{code: "700016", cause: notInAAD, weight: wCertain, what: "UnauthorizedClient_DoesNotMatchRequest: application not found in the directory"},
	{code: "700011", cause: notInAAD, weight: wCertain, what: "UnauthorizedClientAppNotFoundInOrgIdTenant"},
	{code: "500011", cause: notInAAD, weight: wLikely, what: "InvalidResourceServicePrincipalNotFound", alt: alts(badCreds)},
	// Expired or revoked: secrets, refresh tokens, sessions, passwords.
	{code: "7000222", cause: expired, weight: wCertain + 5, what: "InvalidClientSecretExpiredKeysProvided"},
	{code: "700082", cause: expired, weight: wCertain + 5, what: "ExpiredOrRevokedGrantInactiveToken"},
	{code: "70008", cause: expired, weight: wCertain, what: "ExpiredOrRevokedGrant"},
	{code: "700084", cause: expired, weight: wCertain, what: "SPA refresh token expired"},
	{code: "70043", cause: expired, weight: wCertain, what: "BadTokenDueToSignInFrequency"},
	{code: "50173", cause: expired, weight: wCertain, what: "FreshTokenNeeded: grant revoked"},
	{code: "50132", cause: expired, weight: wStrong + 5, what: "SsoArtifactInvalidOrExpired"},
	{code: "50133", cause: expired, weight: wStrong + 5, what: "SsoArtifactRevoked"},
	{code: "50089", cause: expired, weight: wStrong + 5, what: "flow token expired"},
	{code: "50055", cause: expired, weight: wCertain, what: "InvalidPasswordExpiredPassword"},
	{code: "50144", cause: expired, weight: wCertain, what: "InvalidPasswordExpiredOnPremPassword"},
	{code: "50078", cause: expired, weight: wStrong, what: "UserStrongAuthExpired"},
	{code: "500133", cause: expired, weight: wStrong, what: "assertion not within its valid time range", alt: alts(clock)},
	{code: "70019", cause: expired, weight: wStrong, what: "CodeExpired"},
	{code: "90086", cause: expired, weight: wLikely + 10, what: "OrgIdWsTrustDaTokenExpired"},
	{code: "81010", cause: expired, weight: wLikely, what: "DesktopSsoAuthTokenInvalid: Kerberos ticket expired or invalid"},
	{code: "70000", cause: expired, weight: wLikely, what: "InvalidGrant: refresh token not valid", alt: alts(badCreds)},
	// The clock. 700024 is read with the times it states (times.go).
	{code: "700024", cause: clock, weight: wLikely + 5, what: "client assertion not within its valid time range (lookup)", alt: alts(expired)},
	{code: "80013", cause: clock, weight: wCertain, what: "OnPremisePasswordValidationTimeSkew"},
	// Signed in, but not allowed: roles, consent, Conditional Access, tenant restrictions.
	{code: "50105", cause: noPerm, weight: wStrong + 5, what: "EntitlementGrantsNotFound: no role for the app"},
	{code: "65001", cause: noPerm, weight: wStrong, what: "DelegationDoesNotExist: no consent"},
	{code: "65004", cause: noPerm, weight: wStrong, what: "UserDeclinedConsent"},
	{code: "90094", cause: noPerm, weight: wStrong, what: "AdminConsentRequired"},
	{code: "90095", cause: noPerm, weight: wStrong, what: "AdminConsentRequiredRequestAccess"},
	{code: "650056", cause: noPerm, weight: wLikely + 10, what: "misconfigured application permissions"},
	{code: "650057", cause: noPerm, weight: wLikely + 10, what: "invalid resource for the application"},
	{code: "53000", cause: noPerm, weight: wStrong + 5, what: "DeviceNotCompliant (Conditional Access)"},
	{code: "53001", cause: noPerm, weight: wStrong + 5, what: "DeviceNotDomainJoined (Conditional Access)"},
	{code: "53002", cause: noPerm, weight: wStrong + 5, what: "ApplicationUsedIsNotAnApprovedApp (Conditional Access)"},
	{code: "53003", cause: noPerm, weight: wStrong + 5, what: "BlockedByConditionalAccess"},
	{code: "530032", cause: noPerm, weight: wStrong + 5, what: "BlockedByConditionalAccessOnSecurityPolicy"},
	{code: "530035", cause: noPerm, weight: wStrong + 5, what: "BlockedBySecurityDefaults"},
	{code: "53004", cause: noPerm, weight: wLikely + 10, what: "ProofUpBlockedDueToRisk"},
	{code: "50005", cause: noPerm, weight: wStrong, what: "DevicePolicyError (Conditional Access)"},
	{code: "50076", cause: noPerm, weight: wStrong, what: "UserStrongAuthClientAuthNRequired: MFA required"},
	{code: "50079", cause: noPerm, weight: wStrong, what: "UserStrongAuthEnrollmentRequired"},
	{code: "50074", cause: noPerm, weight: wStrong, what: "UserStrongAuthClientAuthNRequiredInterrupt"},
	{code: "50072", cause: noPerm, weight: wLikely, what: "UserStrongAuthEnrollmentRequiredInterrupt"},
	{code: "50097", cause: noPerm, weight: wLikely + 10, what: "DeviceAuthenticationRequired"},
	{code: "50158", cause: noPerm, weight: wLikely + 10, what: "ExternalSecurityChallenge not satisfied"},
	{code: "50131", cause: noPerm, weight: wStrong, what: "ConditionalAccessFailed"},
	{code: "500021", cause: noPerm, weight: wLikely + 10, what: "tenant restrictions: access to tenant denied"},
	{code: "500022", cause: noPerm, weight: wLikely + 10, what: "tenant restrictions: access to tenant denied"},
	{code: "50002", cause: noPerm, weight: wLikely + 10, what: "NotAllowedTenant: restricted proxy access"},
	{code: "500212", cause: noPerm, weight: wLikely + 10, what: "NotAllowedByOutboundPolicyTenant"},
	{code: "500213", cause: noPerm, weight: wLikely + 10, what: "NotAllowedByInboundPolicyTenant"},
	{code: "700020", cause: noPerm, weight: wHint, what: "InteractionRequired"},
	// Too many requests.
	{code: "90055", cause: throttled, weight: wCertain, what: "TenantThrottlingError"},
	{code: "50196", cause: throttled, weight: wLikely + 10, what: "LoopDetected"},
	{code: "50088", cause: throttled, weight: wLikely, what: "limit on telecom MFA calls reached"},
	{code: "90024", cause: throttled, weight: wLikely, what: "RequestBudgetExceededError"},
	// The sign-in service itself failed: retry.
	{code: "50000", cause: regError, weight: wLikely + 10, what: "TokenIssuanceError"},
	{code: "50033", cause: regError, weight: wLikely, what: "RetryableError"},
	{code: "90006", cause: regError, weight: wLikely + 10, what: "ExternalServerRetryableError"},
	{code: "90033", cause: regError, weight: wLikely + 10, what: "MsodsServiceUnavailable"},
	{code: "90090", cause: regError, weight: wLikely, what: "GraphRetryableError"},
	{code: "70012", cause: regError, weight: wLikely, what: "MsaServerError"},
	{code: "90012", cause: regError, weight: wHint, what: "RequestTimeout", alt: alts(netDown)},
}

// checkHealthCodes are the error codes `az acr check-health` and `az acr
// login` print after "An error occurred:".
//
// Sources: https://learn.microsoft.com/azure/container-registry/container-registry-health-error-reference
// and Azure/azure-cli src/azure-cli/azure/cli/command_modules/acr/_errors.py
// (https://github.com/Azure/azure-cli).
var checkHealthCodes = []code{
	{code: "DOCKER_COMMAND_ERROR", cause: dockerEnv, weight: wCertain, what: "Docker client not found or not running"},
	{code: "DOCKER_DAEMON_ERROR", cause: dockerEnv, weight: wCertain, what: "Docker daemon not running"},
	{code: "DOCKER_VERSION_ERROR", cause: dockerEnv, weight: wLikely + 10, what: "Docker version could not be read"},
	{code: "DOCKER_PULL_ERROR", cause: netDown, weight: wLikely, what: "sample image pull failed", alt: alts(dockerEnv)},
	// Helm and notary are checked beside Docker, and with --ignore-errors
	// their codes sit in output whose failure is elsewhere.
	{code: "HELM_COMMAND_ERROR", cause: dockerEnv, weight: wWeak, what: "Helm not installed"},
	{code: "HELM_VERSION_ERROR", cause: dockerEnv, weight: wWeak, what: "Helm version not supported"},
	{code: "NOTARY_COMMAND_ERROR", cause: dockerEnv, weight: wWeak, what: "notary not installed"},
	{code: "NOTARY_VERSION_ERROR", cause: dockerEnv, weight: wWeak, what: "notary version not supported"},
	{code: "LOGIN_SERVER_ERROR", cause: regName, weight: wLikely + 10, what: "login server could not be retrieved", alt: alts(noPerm)},
	{code: "CONNECTIVITY_DNS_ERROR", cause: regName, weight: wLikely + 10, what: "registry name does not resolve", alt: alts(netDown)},
	{code: "CONNECTIVITY_FORBIDDEN_ERROR", cause: firewall, weight: wCertain, what: "403 from the registry's network rules"},
	{code: "CONNECTIVITY_CHALLENGE_ERROR", cause: regError, weight: wLikely, class: challenge, what: "no challenge from /v2/", alt: alts(netDown, firewall)},
	{code: "CONNECTIVITY_AAD_LOGIN_ERROR", cause: regError, weight: wLikely, what: "registry does not support AAD login", alt: alts(badCreds)},
	{code: "CONNECTIVITY_WWW_AUTHENTICATE_ERROR", cause: regError, weight: wStrong, what: "no usable WWW-Authenticate"},
	{code: "CONNECTIVITY_REFRESH_TOKEN_ERROR", cause: expired, weight: wPossible, class: refinable, what: "refresh token exchange refused", alt: alts(noPerm, firewall)},
	{code: "CONNECTIVITY_ACCESS_TOKEN_ERROR", cause: noPerm, weight: wHint, class: refinable, what: "access token refused", alt: alts(badCreds)},
	{code: "CONNECTIVITY_SSL_ERROR", cause: tlsFail, weight: wCertain, what: "TLS connection failed"},
	{code: "CONNECTIVITY_TOOMANYREQUESTS_ERROR", cause: throttled, weight: wCertain, what: "throttled"},
	{code: "CMK_ERROR", cause: regError, weight: wLikely, what: "customer-managed key identity missing"},
	{code: "UNEXPECTED_ERROR", cause: regError, weight: wWeak, what: "unexpected error"},
}

// distributionCodes are the registry error codes of the OCI distribution
// spec, with the Docker registry's own additions, as a registry puts them
// in {"errors":[{"code": …}]} and Docker prints them ("name unknown: …").
//
// Sources: https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#error-codes
// and distribution/distribution registry/api/errcode/register.go
// (UNAVAILABLE, UNKNOWN, TOOMANYREQUESTS).
var distributionCodes = []code{
	{code: "UNAUTHORIZED", cause: badCreds, weight: wPossible + 3, class: authFail, what: "authentication required", alt: authAlt},
	{code: "DENIED", cause: noPerm, weight: wLikely, class: denied, what: "requested access to the resource is denied", alt: alts(regName, firewall, badCreds)},
	{code: "TOOMANYREQUESTS", cause: throttled, weight: wCertain + 5, what: "too many requests"},
	{code: "NAME_INVALID", cause: regName, weight: wLikely + 10, what: "invalid repository name"},
	{code: "NAME_UNKNOWN", cause: regName, weight: wPossible, what: "repository name not known to registry", alt: alts(noPerm)},
	{code: "UNAVAILABLE", cause: regError, weight: wLikely, what: "service unavailable"},
	{code: "UNKNOWN", cause: regError, weight: wWeak, what: "unknown error"},
	// The registry answered and holds no such tag: the reference is wrong.
	// ACR answers so only to an identity allowed to pull the repository.
	{code: "MANIFEST_UNKNOWN", cause: regName, weight: wLikely, class: noImage, what: "manifest unknown", alt: alts(noPerm)},
	{code: "MANIFEST_INVALID", what: "manifest invalid"},
	{code: "MANIFEST_BLOB_UNKNOWN", what: "blob unknown to registry"},
	{code: "MANIFEST_UNVERIFIED", what: "manifest failed signature verification"},
	{code: "BLOB_UNKNOWN", what: "blob unknown to registry"},
	{code: "BLOB_UPLOAD_INVALID", what: "blob upload invalid"},
	{code: "BLOB_UPLOAD_UNKNOWN", what: "blob upload unknown to registry"},
	{code: "DIGEST_INVALID", what: "provided digest did not match uploaded content"},
	{code: "SIZE_INVALID", what: "provided length did not match content length"},
	{code: "TAG_INVALID", what: "manifest tag did not match URI"},
	{code: "PAGINATION_NUMBER_INVALID", what: "invalid number of results requested"},
	{code: "RANGE_INVALID", what: "invalid content range"},
	{code: "UNSUPPORTED", what: "the operation is unsupported"},
}

// notAccess are the codes of the tables above that are known and point to
// no cause: the request reached the registry, was allowed, and failed for
// a reason that is not about logging in (a broken upload). They are in the
// tables so that the test of the tables can tell a code left out from a
// code that means "not an access failure".
var notAccess = map[string]bool{
	"MANIFEST_INVALID": true, "MANIFEST_BLOB_UNKNOWN": true,
	"MANIFEST_UNVERIFIED": true, "BLOB_UNKNOWN": true, "BLOB_UPLOAD_INVALID": true,
	"BLOB_UPLOAD_UNKNOWN": true, "DIGEST_INVALID": true, "SIZE_INVALID": true,
	"TAG_INVALID": true, "PAGINATION_NUMBER_INVALID": true, "RANGE_INVALID": true,
	"UNSUPPORTED": true,
}

// A sysErr is an operating-system network error: its number, symbolic name
// and the message the system prints for it.
type sysErr struct {
	num    int
	name   string
	msg    string // lower case, as strerror or FormatMessage prints it
	cause  cause.ID
	weight int
	class  class
}

// winsockErrors are the Windows Sockets errors a registry request can end
// with, as Python prints them ("[WinError 10060]", "[Errno 11001]") and Go
// (the message after "connectex:" or "wsarecv:").
//
// Source: https://learn.microsoft.com/windows/win32/winsock/windows-sockets-error-codes-2
var winsockErrors = []sysErr{
	{10013, "wsaeacces", "an attempt was made to access a socket in a way forbidden by its access permissions", netDown, wLikely + 10, plain},
	{10048, "wsaeaddrinuse", "only one usage of each socket address", netDown, wPossible, plain},
	{10049, "wsaeaddrnotavail", "the requested address is not valid in its context", netDown, wLikely, plain},
	{10050, "wsaenetdown", "a socket operation encountered a dead network", netDown, wStrong, plain},
	{10051, "wsaenetunreach", "a socket operation was attempted to an unreachable network", netDown, wStrong + 5, plain},
	{10052, "wsaenetreset", "the connection has been broken due to keep-alive activity", netDown, wStrong, plain},
	{10053, "wsaeconnaborted", "an established connection was aborted by the software in your host machine", netDown, wStrong, plain},
	{10054, "wsaeconnreset", "an existing connection was forcibly closed by the remote host", netDown, wStrong, plain},
	{10055, "wsaenobufs", "no buffer space available", netDown, wPossible, plain},
	{10057, "wsaenotconn", "a request to send or receive data was disallowed because the socket is not connected", netDown, wHint, plain},
	{10058, "wsaeshutdown", "a request to send or receive data was disallowed because the socket had already been shut down", netDown, wHint, plain},
	{10060, "wsaetimedout", "a connection attempt failed because the connected party did not properly respond", netDown, wStrong + 5, plain},
	{10061, "wsaeconnrefused", "no connection could be made because the target machine actively refused it", netDown, wStrong + 5, plain},
	{10064, "wsaehostdown", "a socket operation failed because the destination host was down", netDown, wStrong, plain},
	{10065, "wsaehostunreach", "a socket operation was attempted to an unreachable host", netDown, wStrong + 5, plain},
	{11001, "wsahost_not_found", "no such host is known", netDown, wLikely + 10, dnsMissing},
	{11002, "wsatry_again", "this is usually a temporary error during hostname resolution", netDown, wStrong, plain},
	{11003, "wsano_recovery", "a non-recoverable error occurred during a database lookup", netDown, wLikely + 10, plain},
	{11004, "wsano_data", "the requested name is valid, but no data of the requested type was found", netDown, wLikely + 10, dnsMissing},
}

// localizedWinsock are the messages of winsockErrors as a Windows in
// another language prints them (after "connectex: ", "wsarecv: ", or as
// Python's "[WinError N]"), each the start of the message as it was seen
// pasted in a public thread: the source on its line. A message reads as
// its number's entry of winsockErrors.
var localizedWinsock = []struct {
	num  int
	lang string
	msg  string // ASCII letters in lower case; the start of the message
}{
	{10013, "zh-CN", "以一种访问权限不允许的方式做了一个访问套"},                                      // https://github.com/MikeWang000000/Natter/issues/1
	{10051, "zh-CN", "向一个无法连接的网络尝试了一个套接字操作"},                                      // https://github.com/NewFuture/DDNS/issues/123
	{10053, "es", "se ha anulado una conexión establecida por el software en s"},  // https://github.com/IIC2233/syllabus-2020-1/issues/1259
	{10053, "zh-CN", "你的主机中的软件中止了一个已建立的连接"},                                       // https://github.com/MikeWang000000/Natter/issues/41
	{10053, "zh-CN", "您的主机中的软件中止了一个已建立的连接"},                                       // https://github.com/nonebot/aiocqhttp/issues/41
	{10054, "de", "eine vorhandene verbindung wurde vom remotehost geschlossen"},  // https://github.com/genotrance/px/issues/148
	{10054, "fr", "une connexion existante a dû être fermée par l'hôte dist"},     // https://github.com/NoxArt/SublimeText2-FTPSync/issues/218
	{10054, "es", "se ha forzado la interrupción de una conexión existente po"},   // https://github.com/IIC2233/syllabus-2020-1/issues/1132
	{10054, "ru", "Удаленный хост принудительно ра"},                              // https://github.com/shamhi/HamsterKombatBot/issues/250
	{10054, "ja", "既存の接続はリモート"},                                                   // https://github.com/re3turn/twicrawler/issues/17
	{10054, "zh-CN", "远程主机强迫关闭了一个现有的连接"},                                          // https://github.com/michaelliao/learn-python3/issues/48
	{10054, "zh-CN", "现有连接被远程主机强行关闭"},                                             // https://github.com/Athena1337/blackJack/issues/1
	{10054, "ko", "현재 연결은 원격 호스트에 의해 강제로 끊겼"},                                     // https://github.com/idealo/image-super-resolution/issues/38
	{10060, "fr", "une tentative de connexion a échoué car le parti connecté"},    // https://github.com/docker/for-win/issues/8811
	{10060, "es", "se produjo un error durante el intento de conexión ya que l"},  // https://github.com/IIC2233/Syllabus-2022-1/issues/271
	{10060, "ru", "Попытка установить соединение б"},                              // https://github.com/pavel-pimenov/flylinkdc-r5xx/issues/835
	{10060, "zh-CN", "由于连接方在一段时间后"},                                               // https://github.com/xbzstudio/Timeless-Sydney/issues/25
	{10060, "ko", "연결된 구성원으로부터 응답이 없어 연결하"},                                       // https://github.com/rickiepark/handson-ml/issues/4
	{10060, "nl", "een verbindingspoging is mislukt omdat de verbonden party ni"}, // https://github.com/yunuscadirci/CallStranger/issues/30
	{10061, "de", "es konnte keine verbindung hergestellt werden, da der zielco"}, // https://github.com/docker/for-win/issues/741
	{10061, "es", "no se puede establecer una conexión ya que el equipo de des"},  // https://github.com/dotnet/dotnet-api-docs/issues/9821
	{10061, "pt-BR", "nenhuma conexão pôde ser feita porque a máquina de destin"}, // https://github.com/gamaroberto-sketch/kalonconnect-lab/blob/1245a547d1cc7b729615868dc9514cd37a56fd21/PERGUNTA_TECNICA_LIVEKIT_NAO_RODANDO_CURTA.md
	{10061, "it", "impossibile stabilire la connessione. rifiuto persistente de"}, // https://github.com/docker/for-win/issues/741
	{10061, "ru", "Подключение не установлено, т.к. "},                            // https://github.com/bloxstraplabs/bloxstrap/issues/2122
	{10061, "ja", "対象のコンピューターによって拒否されたた"},                                         // https://github.com/MShawon/YouTube-Viewer/issues/229
	{10061, "zh-CN", "由于目标计算机积极拒绝，无法连接"},                                          // https://github.com/Decalogue/chat/issues/21
	{10061, "ko", "대상 컴퓨터에서 연결을 거부했으므로 연결"},                                       // https://github.com/mdsnins/IZPM-Backup/issues/13
	{11001, "ru", "Этот хост неизвестен"},                                         // https://github.com/open-telemetry/opentelemetry-dotnet/issues/3624
	{11001, "zh-CN", "不知道这样的主机"},                                                  // https://github.com/shadowsocks/shadowsocks-windows/issues/3106
	{11001, "nl", "host is onbekend"},                                             // https://github.com/ArachisH/Tanji/issues/47
	{11002, "zh-CN", "这是在主机名解析时通常出现的暂时错误，它"},                                      // https://github.com/shadowsocks/shadowsocks-windows/issues/1451
	{11004, "zh-CN", "请求的名称有效，但是找不到请求的类型的数"},                                      // https://github.com/shadowsocks/shadowsocks-windows/issues/625
}

// errnoErrors are the POSIX errno values and getaddrinfo results a registry
// request can end with, by their Linux numbers, names (as Node.js and Go's
// syscall print them) and glibc messages.
//
// Sources: https://man7.org/linux/man-pages/man3/errno.3.html,
// https://man7.org/linux/man-pages/man3/getaddrinfo.3.html (EAI_*),
// https://nodejs.org/api/errors.html#common-system-errors
var errnoErrors = []sysErr{
	{111, "econnrefused", "connection refused", netDown, wStrong, plain},
	{110, "etimedout", "connection timed out", netDown, wStrong, plain},
	{101, "enetunreach", "network is unreachable", netDown, wStrong + 5, plain},
	{113, "ehostunreach", "no route to host", netDown, wStrong + 5, plain},
	{104, "econnreset", "connection reset by peer", netDown, wStrong, plain},
	{103, "econnaborted", "software caused connection abort", netDown, wStrong, plain},
	{100, "enetdown", "network is down", netDown, wStrong, plain},
	{112, "ehostdown", "host is down", netDown, wStrong, plain},
	{102, "enetreset", "network dropped connection on reset", netDown, wLikely + 10, plain},
	{99, "eaddrnotavail", "cannot assign requested address", netDown, wLikely, plain},
	{32, "epipe", "broken pipe", netDown, wHint, plain},
	{71, "eproto", "protocol error", tlsFail, wHint, plain},
	{-2, "eai_noname", "name or service not known", netDown, wLikely + 10, dnsMissing},
	{-3, "eai_again", "temporary failure in name resolution", netDown, wStrong, plain},
	{-5, "eai_nodata", "no address associated with hostname", netDown, wLikely + 10, dnsMissing},
	{0, "enotfound", "", netDown, wLikely + 10, dnsMissing},
	{0, "esockettimedout", "", netDown, wStrong, plain},
}

// codeIndex finds a table entry by its code.
type codeIndex struct {
	aadsts  map[string]*code
	winsock map[int]*sysErr
	errno   map[int]*sysErr
}

var codes = sync.OnceValue(func() *codeIndex {
	x := &codeIndex{aadsts: map[string]*code{}, winsock: map[int]*sysErr{}, errno: map[int]*sysErr{}}
	for i := range aadstsCodes {
		x.aadsts[aadstsCodes[i].code] = &aadstsCodes[i]
	}
	for i := range winsockErrors {
		x.winsock[winsockErrors[i].num] = &winsockErrors[i]
	}
	for i := range errnoErrors {
		if n := errnoErrors[i].num; n != 0 {
			x.errno[n] = &errnoErrors[i]
		}
	}
	return x
})

// codePhrases turns the tables whose codes are words into phrases: the
// check-health codes, the distribution codes in their JSON and Docker
// forms, and the names and messages of the system errors.
func codePhrases() []phrase {
	var out []phrase
	add := func(text string, c *code) {
		out = append(out, phrase{text: text, cause: c.cause, weight: c.weight, class: c.class, alt: c.alt})
	}
	for i := range checkHealthCodes {
		c := &checkHealthCodes[i]
		add(strings.ToLower(c.code), c)
		out[len(out)-1].word = true
	}
	for i := range distributionCodes {
		c := &distributionCodes[i]
		if c.cause == "" {
			continue
		}
		lo := strings.ToLower(c.code)
		switch c.code {
		case "UNAUTHORIZED", "TOOMANYREQUESTS":
			add(lo, c) // every spelling: "401 Unauthorized", "Datasource unauthorized"
		case "UNKNOWN":
			add(`"`+lo+`"`, c) // "unknown:" ends "manifest unknown:" too; readRegistryCode reads the printed form
		default:
			add(`"`+lo+`"`, c)                           // {"code":"DENIED"}
			add(strings.ReplaceAll(lo, "_", " ")+":", c) // denied: …, name unknown: …
			out[len(out)-1].notAfter = []string{"permission ", "access is "}
			if strings.Contains(lo, "_") {
				add(lo, c)
			}
		}
	}
	for _, l := range localizedWinsock {
		i := slices.IndexFunc(winsockErrors, func(e sysErr) bool { return e.num == l.num })
		e := &winsockErrors[i]
		out = append(out, phrase{text: l.msg, cause: e.cause, weight: e.weight, class: e.class})
	}
	for _, table := range [][]sysErr{winsockErrors, errnoErrors} {
		for i := range table {
			e := &table[i]
			p := phrase{text: e.name, cause: e.cause, weight: e.weight, class: e.class, word: true}
			out = append(out, p)
			if e.msg != "" {
				p.text, p.word = e.msg, false
				out = append(out, p)
			}
		}
	}
	return out
}

// numberAfter reads the decimal number (with an optional minus) that
// starts s after spaces, or ok false.
func numberAfter(s string) (n int, ok bool) {
	s = strings.TrimLeft(s, " ")
	end := 0
	if end < len(s) && s[end] == '-' {
		end++
	}
	for end < len(s) && '0' <= s[end] && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	return n, err == nil
}
