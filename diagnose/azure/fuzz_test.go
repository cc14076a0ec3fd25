package azure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"
)

// FuzzResponseLine: whatever ARM answers a request with (a status, an
// x-ms-error-code, a Retry-After and a body), the line a report shows of
// it is one line of bounded length that starts with the status.
func FuzzResponseLine(f *testing.F) {
	f.Add(403, "", "", []byte(`{"error":{"code":"AuthorizationFailed","message":"The client 'u@contoso.com' with object id '00000000-0000-0000-0000-000000000000' does not have authorization to perform action 'Microsoft.ContainerRegistry/registries/read'.\nMore."}}`))
	f.Add(429, "", "17", []byte(`{"error":{"code":"TooManyRequests","message":"Rate limit exceeded"}}`))
	f.Add(404, "ResourceNotFound", "", []byte(`{"code":"ResourceNotFound","message":"gone"}`))
	f.Add(500, "", "", []byte(`<?xml version="1.0"?><Error><Code>InternalError</Code><Message>x</Message></Error>`))
	f.Add(502, "", "", []byte("<html>Bad Gateway</html>"))
	f.Add(401, "", "", []byte(`{"odata.error":{"code":"InvalidAuthenticationToken","message":{"value":"expired"}}}`))
	f.Fuzz(func(t *testing.T, status int, code, retryAfter string, body []byte) {
		if status < 100 || status > 999 {
			return // not an HTTP status a response can have
		}
		// Header values as the wire delivers them: one line each.
		if strings.ContainsAny(code+retryAfter, "\r\n") {
			return
		}
		req, _ := http.NewRequest(http.MethodGet, "https://management.azure.com/subscriptions?api-version=2022-12-01", nil)
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), Request: req}
		if code != "" {
			resp.Header.Set("x-ms-error-code", code)
		}
		if retryAfter != "" {
			resp.Header.Set("Retry-After", retryAfter)
		}
		err := runtime.NewResponseError(resp)
		var re *azcore.ResponseError
		if !errors.As(err, &re) {
			t.Fatalf("%T %v", err, err)
		}
		line := explain(fmt.Errorf("listing subscriptions: %w", err))
		if !strings.HasPrefix(line, fmt.Sprint(status)) || strings.ContainsAny(line, "\r\n") || len(line) > 1<<10 {
			t.Fatalf("line %.300q (%d bytes) for %d %.100q %.100q %.300q", line, len(line), status, code, retryAfter, body)
		}
		// Cut short, the line stays UTF-8 (what encoding/json decoded is).
		if utf8.ValidString(code) && utf8.ValidString(retryAfter) && !utf8.ValidString(line) {
			t.Fatalf("line %.300q is not UTF-8", line)
		}
	})
}

// FuzzLoginEvents: whatever tables Log Analytics answers with (columns
// missing, in any order, repeated; rows short or long; values of any JSON
// type), each row is one event, each field read from its column or empty.
func FuzzLoginEvents(f *testing.F) {
	f.Add([]byte(`{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"Identity","type":"string"},{"name":"CallerIpAddress","type":"string"},{"name":"ResultType","type":"string"},{"name":"ResultDescription","type":"string"},{"name":"JwtId","type":"string"},{"name":"UserAgent","type":"string"}],"rows":[["2026-11-29T10:32:00.1234567Z","u@contoso.com","203.0.113.7","401","Unauthorized","4f1c…","docker/27.3.1"]]}]}`))
	f.Add([]byte(`{"tables":[{"name":"t","columns":[{"name":"Identity"},{"name":"Identity"},{"type":"string"}],"rows":[[],["a","b","c","d"],[null,7,{"x":[1]}]]}]}`))
	f.Add([]byte(`{"tables":[{"name":"t","columns":null,"rows":[["x"]]},{"name":"u","columns":[{"name":"TimeGenerated"}],"rows":[[1.7e9],["not a time"]]}]}`))
	f.Add([]byte(`{"tables":[],"error":{"code":"PartialError","message":"x"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var res azlogs.QueryResults
		if json.Unmarshal(body, &res) != nil {
			return
		}
		rows := 0
		for _, tb := range res.Tables {
			rows += len(tb.Rows)
		}
		evs := events(res.Tables)
		if evs == nil || len(evs) != rows {
			t.Fatalf("%d events from %d rows", len(evs), rows)
		}
		// A field is empty or the text of a value in its row.
		i := 0
		for _, tb := range res.Tables {
			for _, row := range tb.Rows {
				e := evs[i]
				i++
				for _, field := range []string{e.Identity, e.CallerIPAddress, e.ResultType, e.ResultDescription, e.JwtID, e.UserAgent} {
					if field != "" && !inRow(row, field) {
						t.Fatalf("field %q not in row %v", field, row)
					}
				}
				if !e.Time.IsZero() && !strings.ContainsFunc(fmt.Sprint(row), unicode.IsDigit) {
					t.Fatalf("a time from row %v", row)
				}
			}
		}
	})
}

func inRow(row azlogs.Row, s string) bool {
	for _, v := range row {
		if v != nil && fmt.Sprint(v) == s {
			return true
		}
	}
	return false
}
