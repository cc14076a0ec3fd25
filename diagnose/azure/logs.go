package azure

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/classify"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/redact"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
)

// LoginWindow is how far back the login-event query looks.
const LoginWindow = 24 * time.Hour

// maxEvents is how many events the query returns, newest first.
const maxEvents = 20

// AuthFailure reports whether causes include a failed authentication,
// which the registry's ContainerRegistryLoginEvents record.
func AuthFailure(causes []cause.Cause) bool {
	return slices.ContainsFunc(causes, func(c cause.Cause) bool {
		switch c.ID {
		case cause.InvalidCredentials, cause.AADNotRegistered, cause.ExpiredCredentials:
			return c.Severity == cause.Error
		}
		return false
	})
}

// LoginEvents is the Log Analytics query that finds the registry's
// authentication events for the stored credential in the last
// LoginWindow, matched by identity and by the token's jti against JwtId,
// and the az command that runs it. name is the registry's resource name;
// workspace the workspace's resource ID when known, else the command
// finds it from the registry's diagnostic settings.
func LoginEvents(host, name string, cred probe.Credential, now time.Time, workspace string) *report.LoginEvents {
	from, to := now.Add(-LoginWindow).UTC(), now.Add(5*time.Minute).UTC()
	q := []string{
		LoginEventsCategory,
		fmt.Sprintf("where TimeGenerated between (datetime(%s) .. datetime(%s))", from.Format(time.RFC3339), to.Format(time.RFC3339)),
		"where LoginServer =~ " + kqlString(host),
	}
	var match []string
	if tok := cred.Token; tok != nil && tok.Claims.JWTID != "" {
		match = append(match, "JwtId == "+kqlString(tok.Claims.JWTID))
	}
	if id := classify.Identity(cred); id != "" {
		match = append(match, "Identity =~ "+kqlString(id))
	} else if u := cred.Username; u != "" && cred.Kind != string(credkind.RefreshToken) && u != redact.Mark {
		match = append(match, "Identity =~ "+kqlString(u))
	}
	if len(match) > 0 {
		q = append(q, "where "+strings.Join(match, " or "))
	}
	q = append(q,
		"project TimeGenerated, Identity, CallerIpAddress, ResultType, ResultDescription, JwtId, UserAgent",
		"order by TimeGenerated desc",
		fmt.Sprintf("take %d", maxEvents))

	// Without a workspace ID that has its shape, the command finds the
	// workspace from the registry's diagnostic settings.
	ws := shell.ResourceID(workspace)
	if !ws.OK() {
		ws = shell.Subst(`az monitor diagnostic-settings list --resource %s --query "[?logs[?category=='`+LoginEventsCategory+`' && enabled]].workspaceId | [0]" -o tsv`,
			shell.Subst("az acr show -n %s --query id -o tsv", shell.RegistryName(name)))
	}
	return &report.LoginEvents{
		Query: strings.Join(q, "\n| "),
		Command: shell.Sprintf(`az monitor log-analytics query --workspace "$(az monitor log-analytics workspace show --ids %s --query customerId -o tsv)" --analytics-query %s`,
			ws, shell.Literal(strings.Join(q, " | "))),
		Workspace: workspace,
	}
}

// RunLoginEvents runs ev's query in the workspace the registry's
// diagnostic setting names, and fills in the events or why it could not.
func (in *Inspector) RunLoginEvents(ctx context.Context, ins *Inspection, ev *report.LoginEvents) {
	res := ins.Resource
	switch {
	case res == nil || ins.cred == nil:
		ev.Error = "the registry's resource was not read"
		return
	case res.LogWorkspace == "":
		ev.Error = shell.Sprintf("no diagnostic setting of %s sends "+LoginEventsCategory+" to a Log Analytics workspace: "+
			`az monitor diagnostic-settings create -n acr-login-events --resource %s --workspace <workspace-id> --logs '[{"category":"`+LoginEventsCategory+`","enabled":true}]'`,
			shell.Text("registry", res.Name, "<registry-name>"), shell.ResourceID(res.ID).Or("<registry-resource-id>"))
		return
	}
	if _, ok := ins.cloud.Services[azlogs.ServiceName]; !ok {
		ev.Error = "this cloud's Log Analytics endpoint is unknown"
		return
	}
	client, err := azlogs.NewClient(ins.cred, &azlogs.ClientOptions{ClientOptions: in.clientOptions(ins.cloud)})
	if err != nil {
		ev.Error = explain(err)
		return
	}
	query := strings.ReplaceAll(ev.Query, "\n", " ")
	resp, err := client.QueryResource(ctx, res.LogWorkspace, azlogs.QueryBody{Query: &query}, nil)
	if err != nil {
		ev.Error = explain(err)
		return
	}
	if resp.Error != nil {
		ev.Error = firstLine(resp.Error.Error())
	}
	ev.Ran = true
	ev.Events = events(resp.Tables)
}

// events reads the rows of the query's tables as login events, each
// value by its column's name: a column missing, or a row cut short, leaves
// the field empty.
func events(tables []azlogs.Table) []report.LoginEvent {
	out := []report.LoginEvent{}
	for _, t := range tables {
		col := make(map[string]int, len(t.Columns))
		for i, c := range t.Columns {
			if c.Name != nil {
				col[*c.Name] = i
			}
		}
		for _, row := range t.Rows {
			get := func(name string) string {
				if i, ok := col[name]; ok && i < len(row) && row[i] != nil {
					return fmt.Sprint(row[i])
				}
				return ""
			}
			e := report.LoginEvent{
				Identity:          get("Identity"),
				CallerIPAddress:   get("CallerIpAddress"),
				ResultType:        get("ResultType"),
				ResultDescription: get("ResultDescription"),
				JwtID:             get("JwtId"),
				UserAgent:         get("UserAgent"),
			}
			e.Time, _ = time.Parse(time.RFC3339Nano, get("TimeGenerated"))
			out = append(out, e)
		}
	}
	return out
}

// kqlString is s as a KQL string literal.
func kqlString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
