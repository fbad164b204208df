package cloudtrail

import (
	"strconv"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/field"
	je "github.com/peregrine-sec/peregrine/internal/source/jsonevent"
)

func str(name, doc string, path ...string) field.Desc {
	return je.Desc(name, field.String, 0, doc, je.StringAt(path...))
}

func req(name, key string) field.Desc {
	return str("ct.request."+name, "requestParameters."+key+" of the call.", "requestParameters", key)
}

// Fields returns the aws_cloudtrail source's fields: the cloudtrail plugin's
// ct.*, s3.* and ec2.* fields and the json plugin's fields.
func Fields() []field.Desc {
	return append([]field.Desc{
		str("ct.id", "The unique ID of the cloudtrail event (eventID).", "eventID"),
		str("ct.error", "The error code from the event; missing when the call succeeded.", "errorCode"),
		str("ct.errormessage", "The description of an error, if applicable.", "errorMessage"),
		str("ct.time", "The timestamp of the cloudtrail event (eventTime).", "eventTime"),
		je.Desc("ct.src", field.String, 0, "The source of the event (eventSource), without the .amazonaws.com trailer.", shortSrc),
		je.Desc("ct.shortsrc", field.String, 0, "The source of the event without the .amazonaws.com trailer.", shortSrc),
		str("ct.name", "The name of the event (eventName).", "eventName"),
		je.Desc("ct.user", field.String, 0, "The user of the event: userName for Root/IAMUser, invokedBy for AWSService, the session issuer for AssumedRole.", user),
		str("ct.user.accountid", "The account id of the user.", "userIdentity", "accountId"),
		str("ct.user.identitytype", "The kind of user identity (Root, IAMUser, AssumedRole, AWSService...).", "userIdentity", "type"),
		str("ct.user.principalid", "A unique identifier for the user.", "userIdentity", "principalId"),
		str("ct.user.arn", "The Amazon Resource Name (ARN) of the user.", "userIdentity", "arn"),
		str("ct.region", "The region of the event (awsRegion).", "awsRegion"),
		str("ct.response.subnetid", "The subnet ID in the response.", "responseElements", "subnetId"),
		str("ct.response.reservationid", "The reservation ID in the response.", "responseElements", "reservationId"),
		je.Desc("ct.response", field.String, 0, "All response elements, as JSON.", je.JSONAt("responseElements")),
		req("availabilityzone", "availabilityZone"),
		req("cluster", "cluster"),
		req("functionname", "functionName"),
		req("groupname", "groupName"),
		req("host", "Host"),
		req("name", "name"),
		req("policy", "policy"),
		req("serialnumber", "serialNumber"),
		req("servicename", "serviceName"),
		req("subnetid", "subnetId"),
		req("taskdefinition", "taskDefinition"),
		req("username", "userName"),
		je.Desc("ct.request", field.String, 0, "All request parameters, as JSON.", je.JSONAt("requestParameters")),
		str("ct.srcip", "The IP address generating the event (sourceIPAddress).", "sourceIPAddress"),
		str("ct.useragent", "The user agent generating the event.", "userAgent"),
		je.Desc("ct.info", field.String, 0, "Summary information about the event.", info),
		je.Desc("ct.managementevent", field.String, 0, "true if the event is a management event.", boolAt("managementEvent")),
		je.Desc("ct.readonly", field.String, 0, "true if the event only reads information.", readOnly),
		str("ct.requestid", "The id of the request.", "requestID"),
		str("ct.eventtype", "The type of the event (eventType).", "eventType"),
		str("ct.apiversion", "The API version of the event.", "apiVersion"),
		je.Desc("ct.resources", field.String, 0, "The resources of the event, as JSON.", je.JSONAt("resources")),
		str("ct.recipientaccountid", "The account id receiving the event.", "recipientAccountId"),
		je.Desc("ct.serviceeventdetails", field.String, 0, "Details of a service event, as JSON.", je.JSONAt("serviceEventDetails")),
		str("ct.sharedeventid", "The shared event id across accounts.", "sharedEventID"),
		str("ct.vpcendpointid", "The VPC endpoint of the call.", "vpcEndpointId"),
		str("ct.eventcategory", "The category of the event.", "eventCategory"),
		je.Desc("ct.additionaleventdata", field.String, 0, "Additional event data, as JSON.", je.JSONAt("additionalEventData")),
		str("s3.bucket", "The bucket name for s3 events.", "requestParameters", "bucketName"),
		str("s3.key", "The S3 key name for s3 events.", "requestParameters", "key"),
		str("s3.host", "The S3 host name for s3 events.", "requestParameters", "Host"),
		je.Desc("s3.uri", field.String, 0, "The s3 URI (s3://<bucket>/<key>) for s3 events.", s3URI),
		je.Desc("s3.bytes", field.Uint64, 0, "The size of an s3 download or upload, in bytes.", bytesField("bytesTransferredIn", "bytesTransferredOut")),
		je.Desc("s3.bytes.in", field.Uint64, 0, "The size of an s3 upload, in bytes.", bytesField("bytesTransferredIn")),
		je.Desc("s3.bytes.out", field.Uint64, 0, "The size of an s3 download, in bytes.", bytesField("bytesTransferredOut")),
		je.Desc("s3.cnt.get", field.Uint64, 0, "1 for GetObject events.", countIf(func(n string) bool { return n == "GetObject" })),
		je.Desc("s3.cnt.put", field.Uint64, 0, "1 for PutObject events.", countIf(func(n string) bool { return n == "PutObject" })),
		je.Desc("s3.cnt.other", field.Uint64, 0, "1 for s3 events other than GetObject and PutObject.", countIf(func(n string) bool { return n != "GetObject" && n != "PutObject" })),
		je.Desc("ec2.name", field.String, 0, "The name of the ec2 instances, typically stored in the instance tags.", ec2Name),
		str("ec2.imageid", "The ID of the image used to run the instance.", "requestParameters", "instancesSet", "items", "0", "imageId"),
	}, je.Fields()...)
}

const awsTrailer = ".amazonaws.com"

func shortSrc(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
	v := d.JSON().Get("eventSource")
	if v == nil {
		return dst, false
	}
	b, _ := v.StringBytes()
	if len(b) > len(awsTrailer) && strings.HasSuffix(string(b), awsTrailer) {
		b = b[:len(b)-len(awsTrailer)]
	}
	return append(dst, field.Value{B: b}), true
}

var literals = map[string][]byte{"AssumedRole": []byte("AssumedRole"), "AWSAccount": []byte("AWSAccount"),
	"FederatedUser": []byte("FederatedUser"), "true": []byte("true"), "false": []byte("false")}

// user derives the acting user from userIdentity by identity type.
func user(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
	j := d.JSON()
	var b []byte
	switch string(j.GetStringBytes("userIdentity", "type")) {
	case "Root", "IAMUser":
		b = j.GetStringBytes("userIdentity", "userName")
	case "AWSService":
		b = j.GetStringBytes("userIdentity", "invokedBy")
	case "AssumedRole":
		if b = j.GetStringBytes("userIdentity", "sessionContext", "sessionIssuer", "userName"); b == nil {
			b = literals["AssumedRole"]
		}
	case "AWSAccount":
		b = literals["AWSAccount"]
	case "FederatedUser":
		b = literals["FederatedUser"]
	}
	if b == nil {
		return dst, false
	}
	return append(dst, field.Value{B: b}), true
}

func boolAt(key string) je.Fn {
	return func(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		v := d.JSON().Get(key)
		if v == nil {
			return dst, false
		}
		return append(dst, field.Value{B: literals[strconv.FormatBool(v.GetBool())]}), true
	}
}

// writePrefixes are event name prefixes of calls that change state, used
// when a record lacks readOnly.
var writePrefixes = []string{"Start", "Stop", "Create", "Destroy", "Delete", "Add", "Remove", "Terminate", "Put",
	"Associate", "Disassociate", "Attach", "Detach", "Open", "Close", "Wipe", "Update", "Upgrade", "Unlink",
	"Assign", "Unassign", "Suspend", "Set", "Run", "Register", "Deregister", "Reboot", "Purchase", "Modify",
	"Initialize", "Enable", "Disable", "Cancel", "Admin", "Activate"}

func readOnly(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
	j := d.JSON()
	if v := j.Get("readOnly"); v != nil {
		return append(dst, field.Value{B: literals[strconv.FormatBool(v.GetBool())]}), true
	}
	name := string(j.GetStringBytes("eventName"))
	if name == "" {
		return dst, false
	}
	for _, p := range writePrefixes {
		if strings.HasPrefix(name, p) {
			return append(dst, field.Value{B: literals["false"]}), true
		}
	}
	return append(dst, field.Value{B: literals["true"]}), true
}

func s3URI(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
	j := d.JSON()
	bucket, key := j.GetStringBytes("requestParameters", "bucketName"), j.GetStringBytes("requestParameters", "key")
	if bucket == nil || key == nil {
		return dst, false
	}
	s := d.Scratch()
	start := len(*s)
	*s = append(append(append(append(*s, "s3://"...), bucket...), '/'), key...)
	return append(dst, field.Value{B: (*s)[start:len(*s):len(*s)]}), true
}

func bytesField(keys ...string) je.Fn {
	return func(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		var tot uint64
		found := false
		for _, k := range keys {
			if v := d.JSON().Get("additionalEventData", k); v != nil {
				found = true
				tot += v.GetUint64()
			}
		}
		if !found {
			return dst, false
		}
		return append(dst, field.Value{N: tot}), true
	}
}

func countIf(match func(name string) bool) je.Fn {
	return func(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if !match(string(d.JSON().GetStringBytes("eventName"))) {
			return dst, false
		}
		return append(dst, field.Value{N: 1}), true
	}
}

func ec2Name(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
	for _, item := range d.JSON().GetArray("requestParameters", "tagSpecificationSet", "items") {
		if string(item.GetStringBytes("resourceType")) != "instance" {
			continue
		}
		for _, tag := range item.GetArray("tags") {
			if string(tag.GetStringBytes("key")) == "Name" {
				if v := tag.GetStringBytes("value"); len(v) > 0 {
					return append(dst, field.Value{B: v}), true
				}
			}
		}
	}
	return dst, false
}

// info is the plugin's one-line summary (ct.info, also evt.plugininfo).
func info(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
	j := d.JSON()
	s := d.Scratch()
	start := len(*s)
	if j.Get("eventName") == nil {
		*s = append(*s, "<invalid cloudtrail event: eventName field missing>"...)
	} else if string(j.GetStringBytes("eventName")) == "PutBucketPublicAccessBlock" {
		if c := j.Get("requestParameters", "PublicAccessBlockConfiguration"); c != nil {
			for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
				*s = strconv.AppendBool(append(append(*s, k...), '='), c.GetBool(k))
				*s = append(*s, ' ')
			}
		}
	} else {
		sep := ""
		if v, ok := bytesField("bytesTransferredIn", "bytesTransferredOut")(d, nil, "", false); ok {
			*s = strconv.AppendUint(append(*s, "Size="...), v[0].N, 10)
			sep = " "
		}
		rp := j.Get("requestParameters")
		switch {
		case rp == nil:
		case rp.Get("bucketName") != nil && rp.Get("key") != nil:
			*s = append(append(append(append(append(*s, sep...), "URI=s3://"...), rp.GetStringBytes("bucketName")...), '/'), rp.GetStringBytes("key")...)
		case rp.Get("bucketName") != nil:
			*s = append(append(append(*s, sep...), "Bucket="...), rp.GetStringBytes("bucketName")...)
		case rp.Get("key") != nil:
			*s = append(append(append(*s, sep...), "Key="...), rp.GetStringBytes("key")...)
		case rp.Get("Host") != nil:
			*s = append(append(append(*s, sep...), "Host="...), rp.GetStringBytes("Host")...)
		}
	}
	return append(dst, field.Value{B: (*s)[start:len(*s):len(*s)]}), true
}
