/* test_wire.c: the query and ec2 wire formats (runtime/wire.c) against
 * independent oracles: each expected form body is what botocore 1.43's own
 * serialiser (botocore.serialize.create_serializer('query' / 'ec2') with the
 * iam, sns and ec2 models) makes of the same parameters, byte for byte
 * (spaces as '+', as botocore's quote_plus writes them); each
 * XML body is a response of moto_server 5.2.1, whose conversion was checked
 * against botocore's response parser. Prints ok/FAIL per check. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "wire.h"

static int failures;
static int checks;

static void report(bool ok, const char *name, const char *got, const char *expect)
{
	checks++;
	if (ok) {
		printf("ok   %s\n", name);
		return;
	}
	failures++;
	printf("FAIL %s\n", name);
	if (expect)
		printf("     got:      %s\n     expected: %s\n", got ? got : "(null)", expect);
}

static void check_str(const char *name, const char *got, const char *expect)
{
	report(got && strcmp(got, expect) == 0, name, got, expect);
}

/* ---- form bodies ----------------------------------------------------------------- */

static void form_case(const char *name, const char *protocol, const char *params,
		      const char *expect)
{
	cJSON *p = cJSON_Parse(params);
	char *got = p ? ecs_wire_form(protocol, p) : NULL;
	check_str(name, got, expect);
	free(got);
	cJSON_Delete(p);
}

static void test_form(void)
{
	form_case("form: iam CreateRole with Tags", "query",
		  "{\"RoleName\":\"app-task\",\"Path\":\"/ecsc/\","
		  "\"AssumeRolePolicyDocument\":\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":"
		  "[{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"Service\\\":"
		  "\\\"ecs-tasks.amazonaws.com\\\"},\\\"Action\\\":\\\"sts:AssumeRole\\\"}]}\","
		  "\"Description\":\"Task role for app (ecsc)\",\"MaxSessionDuration\":3600,"
		  "\"Tags\":[{\"Key\":\"ecsc:stack\",\"Value\":\"demo\"},"
		  "{\"Key\":\"team\",\"Value\":\"a b~c\"}]}",
		  "RoleName=app-task&Path=%2Fecsc%2F&AssumeRolePolicyDocument=%7B%22Version%22"
		  "%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"
		  "%22Principal%22%3A%7B%22Service%22%3A%22ecs-tasks.amazonaws.com%22%7D%2C"
		  "%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"
		  "&Description=Task+role+for+app+%28ecsc%29&MaxSessionDuration=3600"
		  "&Tags.member.1.Key=ecsc%3Astack&Tags.member.1.Value=demo"
		  "&Tags.member.2.Key=team&Tags.member.2.Value=a+b~c");
	form_case("form: iam AttachRolePolicy", "query",
		  "{\"RoleName\":\"app-task\","
		  "\"PolicyArn\":\"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"}",
		  "RoleName=app-task"
		  "&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAmazonS3ReadOnlyAccess");
	form_case("form: iam GetAccountAuthorizationDetails", "query",
		  "{\"Filter\":[\"Role\",\"LocalManagedPolicy\"],\"MaxItems\":100}",
		  "Filter.member.1=Role&Filter.member.2=LocalManagedPolicy&MaxItems=100");
	/* The query protocol sends an empty list as a bare name. */
	form_case("form: iam empty list", "query",
		  "{\"Url\":\"https://example.com\",\"ClientIDList\":[]}",
		  "Url=https%3A%2F%2Fexample.com&ClientIDList=");
	form_case("form: sns CreateTopic map", "query",
		  "{\"Name\":\"t\",\"Attributes\":{\"DisplayName\":\"a&b\",\"FifoTopic\":\"false\"}}",
		  "Name=t&Attributes.entry.1.key=DisplayName&Attributes.entry.1.value=a%26b"
		  "&Attributes.entry.2.key=FifoTopic&Attributes.entry.2.value=false");
	form_case("form: ec2 DescribeSecurityGroups with Filters", "ec2",
		  "{\"Filters\":[{\"Name\":\"vpc-id\",\"Values\":[\"vpc-0123\"]},"
		  "{\"Name\":\"tag:ecsc:stack\",\"Values\":[\"demo\",\"other\"]}],\"DryRun\":false}",
		  "Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-0123"
		  "&Filter.2.Name=tag%3Aecsc%3Astack&Filter.2.Value.1=demo&Filter.2.Value.2=other"
		  "&DryRun=false");
	form_case("form: ec2 CreateSecurityGroup with TagSpecifications", "ec2",
		  "{\"GroupName\":\"web\",\"Description\":\"web tasks\",\"VpcId\":\"vpc-0123\","
		  "\"TagSpecifications\":[{\"ResourceType\":\"security-group\",\"Tags\":["
		  "{\"Key\":\"Name\",\"Value\":\"web\"},{\"Key\":\"ecsc:stack\",\"Value\":\"demo\"}]}]}",
		  "GroupName=web&GroupDescription=web+tasks&VpcId=vpc-0123"
		  "&TagSpecification.1.ResourceType=security-group"
		  "&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=web"
		  "&TagSpecification.1.Tag.2.Key=ecsc%3Astack&TagSpecification.1.Tag.2.Value=demo");
	/* Nested Descriptions keep their name; ec2 leaves an empty list out. */
	form_case("form: ec2 AuthorizeSecurityGroupIngress", "ec2",
		  "{\"GroupId\":\"sg-0web\",\"IpPermissions\":["
		  "{\"IpProtocol\":\"tcp\",\"FromPort\":443,\"ToPort\":443,"
		  "\"IpRanges\":[{\"CidrIp\":\"10.0.0.0/16\",\"Description\":\"vpc\"}],"
		  "\"UserIdGroupPairs\":[{\"GroupId\":\"sg-0lb\",\"Description\":\"from lb\"}]},"
		  "{\"IpProtocol\":\"-1\",\"Ipv6Ranges\":[{\"CidrIpv6\":\"::/0\"}],"
		  "\"PrefixListIds\":[{\"PrefixListId\":\"pl-1\"}],\"IpRanges\":[]}]}",
		  "GroupId=sg-0web&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=443"
		  "&IpPermissions.1.ToPort=443&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F16"
		  "&IpPermissions.1.IpRanges.1.Description=vpc"
		  "&IpPermissions.1.Groups.1.GroupId=sg-0lb"
		  "&IpPermissions.1.Groups.1.Description=from+lb"
		  "&IpPermissions.2.IpProtocol=-1&IpPermissions.2.Ipv6Ranges.1.CidrIpv6=%3A%3A%2F0"
		  "&IpPermissions.2.PrefixListIds.1.PrefixListId=pl-1");
	form_case("form: ec2 DescribeSubnets", "ec2",
		  "{\"SubnetIds\":[\"subnet-1\",\"subnet-2\"],"
		  "\"Filters\":[{\"Name\":\"vpc-id\",\"Values\":[\"vpc-0123\"]}]}",
		  "SubnetId.1=subnet-1&SubnetId.2=subnet-2&Filter.1.Name=vpc-id"
		  "&Filter.1.Value.1=vpc-0123");
	form_case("form: ec2 CreateTags", "ec2",
		  "{\"Resources\":[\"sg-0web\"],\"Tags\":[{\"Key\":\"Name\",\"Value\":\"web\"}]}",
		  "ResourceId.1=sg-0web&Tag.1.Key=Name&Tag.1.Value=web");

	/* Our own edges: no parameters, nulls dropped, fractions, UTF-8 bytes. */
	char *s = ecs_wire_form("query", NULL);
	check_str("form: NULL params", s, "");
	free(s);
	form_case("form: empty object", "ec2", "{}", "");
	form_case("form: null left out, fraction, true, UTF-8", "query",
		  "{\"A\":null,\"B\":0.25,\"C\":true,\"D\":\"caf\\u00e9\",\"E\":-7}",
		  "B=0.25&C=true&D=caf%C3%A9&E=-7");
}

/* ---- XML responses ----------------------------------------------------------------- */

/* moto_server 5.2.1's responses, as captured. */
static const char xml_create_role[] =
	"<CreateRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><CreateRoleResult>"
	"<Role><Path>/ecsc/</Path><RoleName>app-task</RoleName>"
	"<RoleId>AROARZPUZDIKN52DAWL7E</RoleId>"
	"<Arn>arn:aws:iam::123456789012:role/ecsc/app-task</Arn>"
	"<CreateDate>2026-11-25T18:54:19.122479Z</CreateDate>"
	"<AssumeRolePolicyDocument>%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Principal%22%3A%20%7B%22Service%22%3A%20%22ecs-tasks.amazonaws.com%22%7D%2C%20%22Action%22%3A%20%22sts%3AAssumeRole%22%7D%5D%7D</AssumeRolePolicyDocument>"
	"<Description>Task role for app</Description>"
	"<MaxSessionDuration>3600</MaxSessionDuration><Tags><member><Key>ecsc:stack</Key>"
	"<Value>demo</Value></member><member><Key>team</Key><Value>a b</Value></member></Tags>"
	"<RoleLastUsed/></Role></CreateRoleResult><ResponseMetadata>"
	"<RequestId>ctsitQXuNarQK6zEKL6KBYrrnVOjvOT81izu8rD3wkdOR7eyI4PA</RequestId>"
	"</ResponseMetadata></CreateRoleResponse>";

static const char xml_gaad[] =
	"<GetAccountAuthorizationDetailsResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
	"<GetAccountAuthorizationDetailsResult><UserDetailList/><GroupDetailList/>"
	"<RoleDetailList><member><Path>/ecsc/</Path><RoleName>app-task</RoleName>"
	"<RoleId>AROARZPUZDIKN52DAWL7E</RoleId>"
	"<Arn>arn:aws:iam::123456789012:role/ecsc/app-task</Arn>"
	"<CreateDate>2026-11-25T18:54:19.122479Z</CreateDate>"
	"<AssumeRolePolicyDocument>{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"ecs-tasks.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}]}</AssumeRolePolicyDocument>"
	"<InstanceProfileList/><RolePolicyList><member><PolicyName>read-bucket</PolicyName>"
	"<PolicyDocument>%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Action%22%3A%20%5B%22s3%3AGetObject%22%5D%2C%20%22Resource%22%3A%20%22arn%3Aaws%3As3%3A%3A%3Ademo-bucket/%2A%22%7D%5D%7D</PolicyDocument>"
	"</member></RolePolicyList><AttachedManagedPolicies><member>"
	"<PolicyName>logs-write</PolicyName>"
	"<PolicyArn>arn:aws:iam::123456789012:policy/logs-write</PolicyArn></member>"
	"</AttachedManagedPolicies><Tags><member><Key>ecsc:stack</Key><Value>demo</Value>"
	"</member><member><Key>team</Key><Value>a b</Value></member></Tags><RoleLastUsed/>"
	"</member></RoleDetailList><Policies/><IsTruncated>false</IsTruncated>"
	"</GetAccountAuthorizationDetailsResult><ResponseMetadata>"
	"<RequestId>PMh7aVCzr8KFVpCJHW3cM7WmFT1j17TjxtcyH7YlynQxGgffj591</RequestId>"
	"</ResponseMetadata></GetAccountAuthorizationDetailsResponse>";

static const char xml_iam_error[] =
	"<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>"
	"<Type>Sender</Type><Code>NoSuchEntity</Code><Message>Role missing not found</Message>"
	"<message>Role missing not found</message></Error>"
	"<RequestId>AgDD1bwHB6I9fm6houP64bGu3xTShhIKK31FtJr1VVANQVgLVoCO</RequestId>"
	"</ErrorResponse>";

static const char xml_attach_role_policy[] =
	"<AttachRolePolicyResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
	"<ResponseMetadata>"
	"<RequestId>H6Wr1OyhHekC3vg1Q6ljdc2AVMa3qZeR8dF5NDP2Hk2ajlYo0KQM</RequestId>"
	"</ResponseMetadata></AttachRolePolicyResponse>";

static const char xml_create_security_group[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	"<CreateSecurityGroupResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15\">"
	"<groupId>sg-05fabdb07569d22a9</groupId>"
	"<securityGroupArn>arn:aws:ec2:us-east-1:123456789012:security-group/sg-05fabdb07569d22a9</securityGroupArn>"
	"<requestId>request-id</requestId></CreateSecurityGroupResponse>";

static const char xml_authorize_ingress[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	"<AuthorizeSecurityGroupIngressResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15\">"
	"<return>true</return><securityGroupRuleSet><item>"
	"<securityGroupRuleId>sgr-9d3799172e99556c7</securityGroupRuleId>"
	"<groupId>sg-05fabdb07569d22a9</groupId><isEgress>false</isEgress>"
	"<ipProtocol>tcp</ipProtocol><fromPort>443</fromPort><toPort>443</toPort>"
	"<cidrIpv4>10.0.0.0/16</cidrIpv4><description>vpc</description><tagSet/></item><item>"
	"<securityGroupRuleId>sgr-147ed4c5f36e10d6f</securityGroupRuleId>"
	"<groupId>sg-05fabdb07569d22a9</groupId><isEgress>false</isEgress>"
	"<ipProtocol>tcp</ipProtocol><fromPort>443</fromPort><toPort>443</toPort>"
	"<referencedGroupInfo><groupId>sg-40754c7137f560c54</groupId>"
	"<userId>123456789012</userId></referencedGroupInfo><tagSet/></item>"
	"</securityGroupRuleSet><requestId>request-id</requestId>"
	"</AuthorizeSecurityGroupIngressResponse>";

static const char xml_describe_security_groups[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	"<DescribeSecurityGroupsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15\">"
	"<securityGroupInfo><item><groupId>sg-05fabdb07569d22a9</groupId><ipPermissionsEgress>"
	"<item><ipProtocol>-1</ipProtocol><groups/><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp>"
	"</item></ipRanges><ipv6Ranges/><prefixListIds/></item></ipPermissionsEgress><tagSet>"
	"<item><key>Name</key><value>web</value></item><item><key>ecsc:stack</key>"
	"<value>demo</value></item></tagSet><vpcId>vpc-040586959b432b8a0</vpcId>"
	"<securityGroupArn>arn:aws:ec2:us-east-1:123456789012:security-group/sg-05fabdb07569d22a9</securityGroupArn>"
	"<ownerId>123456789012</ownerId><groupName>web</groupName>"
	"<groupDescription>web tasks</groupDescription><ipPermissions><item>"
	"<ipProtocol>tcp</ipProtocol><fromPort>443</fromPort><toPort>443</toPort><groups><item>"
	"<description>from lb</description><userId>123456789012</userId>"
	"<groupId>sg-40754c7137f560c54</groupId></item></groups><ipRanges><item>"
	"<description>vpc</description><cidrIp>10.0.0.0/16</cidrIp></item></ipRanges>"
	"<ipv6Ranges/><prefixListIds/></item></ipPermissions></item></securityGroupInfo>"
	"<requestId>request-id</requestId></DescribeSecurityGroupsResponse>";

static const char xml_describe_lb[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	"<DescribeSecurityGroupsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15\">"
	"<securityGroupInfo><item><groupId>sg-40754c7137f560c54</groupId><ipPermissionsEgress>"
	"<item><ipProtocol>-1</ipProtocol><groups/><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp>"
	"</item></ipRanges><ipv6Ranges/><prefixListIds/></item></ipPermissionsEgress><tagSet/>"
	"<vpcId>vpc-040586959b432b8a0</vpcId>"
	"<securityGroupArn>arn:aws:ec2:us-east-1:123456789012:security-group/sg-40754c7137f560c54</securityGroupArn>"
	"<ownerId>123456789012</ownerId><groupName>lb</groupName>"
	"<groupDescription>load balancer</groupDescription><ipPermissions/></item>"
	"</securityGroupInfo><requestId>request-id</requestId></DescribeSecurityGroupsResponse>";

/* Trimmed to three entries. */
static const char xml_account_summary[] =
	"<GetAccountSummaryResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
	"<GetAccountSummaryResult><SummaryMap>"
	"<entry><key>Policies</key><value>1</value></entry>"
	"<entry><key>Roles</key><value>1</value></entry>"
	"<entry><key>RolesQuota</key><value>1000</value></entry>"
	"</SummaryMap></GetAccountSummaryResult><ResponseMetadata>"
	"<RequestId>itXJUBtFljj9NVxDW8iv3EjJbdDGyXdTH7HQrCbqYBnP0nmbundt</RequestId>"
	"</ResponseMetadata></GetAccountSummaryResponse>";

static const char xml_ec2_error[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	"<Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15\"><Errors><Error>"
	"<Code>InvalidGroup.NotFound</Code>"
	"<Message>The security group '{'sg-0missing'}' does not exist</Message>"
	"</Error></Errors><RequestID>request-id</RequestID></Response>";

/* The value at a path such as "Role.Tags[0].Key"; NULL when absent. */
static const cJSON *at(const cJSON *j, const char *path)
{
	char name[128];
	const char *p = path;
	while (j && *p) {
		if (*p == '[') {
			char *end;
			long i = strtol(p + 1, &end, 10);
			j = cJSON_IsArray(j) ? cJSON_GetArrayItem(j, (int)i) : NULL;
			p = *end == ']' ? end + 1 : end;
		} else {
			size_t n = strcspn(p, ".[");
			if (n >= sizeof name)
				return NULL;
			memcpy(name, p, n);
			name[n] = '\0';
			j = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, name) : NULL;
			p += n;
		}
		if (*p == '.')
			p++;
	}
	return j;
}

static void check_at(const char *what, const cJSON *j, const char *path, const char *expect)
{
	char name[256];
	snprintf(name, sizeof name, "%s: %s", what, path);
	const cJSON *v = at(j, path);
	check_str(name, cJSON_IsString(v) ? v->valuestring : NULL, expect);
}

/* An array of n elements at path (n = 0: an empty list, not ""). */
static void check_len(const char *what, const cJSON *j, const char *path, int n)
{
	char name[256], got[32], expect[32];
	snprintf(name, sizeof name, "%s: %s has %d element%s", what, path, n, n == 1 ? "" : "s");
	const cJSON *v = at(j, path);
	snprintf(got, sizeof got, "%s %d", cJSON_IsArray(v) ? "array" : "not an array",
		 cJSON_GetArraySize(v));
	snprintf(expect, sizeof expect, "array %d", n);
	report(cJSON_IsArray(v) && cJSON_GetArraySize(v) == n, name, got, expect);
}

static void check_absent(const char *what, const cJSON *j, const char *path)
{
	char name[256];
	snprintf(name, sizeof name, "%s: no %s", what, path);
	report(at(j, path) == NULL, name, "present", "absent");
}

/* The URL-encoded policy document at path decodes to the JSON expect. */
static void check_policy(const char *what, const cJSON *j, const char *path,
			 const char *expect)
{
	char name[256];
	snprintf(name, sizeof name, "%s: %s decodes to its JSON", what, path);
	const cJSON *v = at(j, path);
	char *text = cJSON_IsString(v) ? ecs_wire_urldecode(v->valuestring) : NULL;
	cJSON *got = text ? cJSON_Parse(text) : NULL;
	cJSON *want = cJSON_Parse(expect);
	report(got && want && cJSON_Compare(got, want, true), name, text, expect);
	cJSON_Delete(got);
	cJSON_Delete(want);
	free(text);
}

static cJSON *convert(const char *what, const char *protocol, const char *body)
{
	cJSON *j = ecs_wire_xml(protocol, body, strlen(body));
	char name[256];
	snprintf(name, sizeof name, "%s: converted", what);
	report(cJSON_IsObject(j), name, NULL, NULL);
	return j;
}

static const char trust[] =
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	"\"Principal\":{\"Service\":\"ecs-tasks.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";

static void test_xml_iam(void)
{
	const char *w = "xml: iam CreateRole";
	cJSON *j = convert(w, "query", xml_create_role);
	check_at(w, j, "Role.Arn", "arn:aws:iam::123456789012:role/ecsc/app-task");
	check_at(w, j, "Role.RoleName", "app-task");
	check_at(w, j, "Role.MaxSessionDuration", "3600");
	check_at(w, j, "Role.Tags[0].Key", "ecsc:stack");
	check_at(w, j, "Role.Tags[1].Value", "a b");
	check_len(w, j, "Role.Tags", 2);
	check_at(w, j, "Role.RoleLastUsed", "");
	check_policy(w, j, "Role.AssumeRolePolicyDocument", trust);
	check_absent(w, j, "ResponseMetadata");
	cJSON_Delete(j);

	w = "xml: iam GetAccountAuthorizationDetails";
	j = convert(w, "query", xml_gaad);
	check_len(w, j, "RoleDetailList", 1);
	check_len(w, j, "UserDetailList", 0);
	check_len(w, j, "GroupDetailList", 0);
	check_len(w, j, "Policies", 0);
	check_len(w, j, "RoleDetailList[0].InstanceProfileList", 0);
	check_at(w, j, "IsTruncated", "false");
	check_at(w, j, "RoleDetailList[0].RoleName", "app-task");
	check_at(w, j, "RoleDetailList[0].RolePolicyList[0].PolicyName", "read-bucket");
	check_policy(w, j, "RoleDetailList[0].RolePolicyList[0].PolicyDocument",
		     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
		     "\"Action\":[\"s3:GetObject\"],\"Resource\":\"arn:aws:s3:::demo-bucket/*\"}]}");
	/* moto sends this one unencoded; decoding leaves it as it is. */
	check_policy(w, j, "RoleDetailList[0].AssumeRolePolicyDocument", trust);
	check_at(w, j, "RoleDetailList[0].AttachedManagedPolicies[0].PolicyArn",
		 "arn:aws:iam::123456789012:policy/logs-write");
	check_at(w, j, "RoleDetailList[0].Tags[1].Key", "team");
	cJSON_Delete(j);

	w = "xml: iam error";
	j = convert(w, "query", xml_iam_error);
	check_at(w, j, "Error.Code", "NoSuchEntity");
	check_at(w, j, "Error.Type", "Sender");
	check_at(w, j, "Error.Message", "Role missing not found");
	check_at(w, j, "RequestId", "AgDD1bwHB6I9fm6houP64bGu3xTShhIKK31FtJr1VVANQVgLVoCO");
	cJSON_Delete(j);

	w = "xml: iam AttachRolePolicy (no result)";
	j = convert(w, "query", xml_attach_role_policy);
	report(j && !j->child, "xml: iam AttachRolePolicy is {}", NULL, NULL);
	cJSON_Delete(j);

	w = "xml: iam GetAccountSummary map";
	j = convert(w, "query", xml_account_summary);
	check_at(w, j, "SummaryMap.Roles", "1");
	check_at(w, j, "SummaryMap.RolesQuota", "1000");
	cJSON_Delete(j);
}

static void test_xml_ec2(void)
{
	const char *w = "xml: ec2 CreateSecurityGroup";
	cJSON *j = convert(w, "ec2", xml_create_security_group);
	check_at(w, j, "GroupId", "sg-05fabdb07569d22a9");
	check_at(w, j, "SecurityGroupArn",
		 "arn:aws:ec2:us-east-1:123456789012:security-group/sg-05fabdb07569d22a9");
	check_absent(w, j, "RequestId");
	cJSON_Delete(j);

	w = "xml: ec2 DescribeSecurityGroups";
	j = convert(w, "ec2", xml_describe_security_groups);
	check_len(w, j, "SecurityGroups", 1);
	check_at(w, j, "SecurityGroups[0].GroupId", "sg-05fabdb07569d22a9");
	check_at(w, j, "SecurityGroups[0].Description", "web tasks");
	check_at(w, j, "SecurityGroups[0].IpPermissions[0].IpRanges[0].CidrIp", "10.0.0.0/16");
	check_at(w, j, "SecurityGroups[0].IpPermissions[0].FromPort", "443");
	check_at(w, j, "SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0].GroupId",
		 "sg-40754c7137f560c54");
	check_at(w, j, "SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0].Description",
		 "from lb");
	check_len(w, j, "SecurityGroups[0].IpPermissions[0].Ipv6Ranges", 0);
	check_len(w, j, "SecurityGroups[0].IpPermissions[0].PrefixListIds", 0);
	check_len(w, j, "SecurityGroups[0].IpPermissionsEgress[0].UserIdGroupPairs", 0);
	check_at(w, j, "SecurityGroups[0].IpPermissionsEgress[0].IpRanges[0].CidrIp",
		 "0.0.0.0/0");
	check_at(w, j, "SecurityGroups[0].Tags[0].Key", "Name");
	check_at(w, j, "SecurityGroups[0].Tags[0].Value", "web");
	check_at(w, j, "SecurityGroups[0].Tags[1].Key", "ecsc:stack");
	check_absent(w, j, "RequestId");
	cJSON_Delete(j);

	w = "xml: ec2 DescribeSecurityGroups, empty lists";
	j = convert(w, "ec2", xml_describe_lb);
	check_len(w, j, "SecurityGroups[0].Tags", 0);
	check_len(w, j, "SecurityGroups[0].IpPermissions", 0);
	check_at(w, j, "SecurityGroups[0].GroupName", "lb");
	cJSON_Delete(j);

	w = "xml: ec2 AuthorizeSecurityGroupIngress";
	j = convert(w, "ec2", xml_authorize_ingress);
	check_at(w, j, "Return", "true");
	check_len(w, j, "SecurityGroupRules", 2);
	check_at(w, j, "SecurityGroupRules[0].CidrIpv4", "10.0.0.0/16");
	check_at(w, j, "SecurityGroupRules[1].ReferencedGroupInfo.GroupId",
		 "sg-40754c7137f560c54");
	check_len(w, j, "SecurityGroupRules[1].Tags", 0);
	cJSON_Delete(j);

	w = "xml: ec2 error";
	j = convert(w, "ec2", xml_ec2_error);
	check_at(w, j, "Errors.Error.Code", "InvalidGroup.NotFound");
	cJSON_Delete(j);
}

static void test_xml_edges(void)
{
	static const char not_xml[] = "{\"__type\":\"x\"}";
	cJSON *j = ecs_wire_xml("query", not_xml, strlen(not_xml));
	report(j == NULL, "xml: a JSON body is not XML", NULL, NULL);
	cJSON_Delete(j);
	j = ecs_wire_xml("ec2", "", 0);
	report(j == NULL, "xml: an empty body is not XML", NULL, NULL);
	cJSON_Delete(j);
	/* Entities are never expanded nor fetched; the predefined ones,
	 * character references and CDATA are text. */
	static const char entity[] =
		"<!DOCTYPE R [<!ENTITY e SYSTEM \"file:///etc/passwd\"><!ENTITY i \"inner\">]>"
		"<R><XResult><A>&e;</A><B>&i;x&amp;y&#65;<![CDATA[<z>]]></B></XResult></R>";
	j = ecs_wire_xml("query", entity, strlen(entity));
	check_at("xml: external entity", j, "A", "");
	check_at("xml: internal entity, text", j, "B", "x&yA<z>");
	cJSON_Delete(j);
}

static void test_urldecode(void)
{
	char *s = ecs_wire_urldecode("a%2Bb+c%20d%7e%zz%4");
	check_str("urldecode: escapes, '+' kept, malformed kept", s, "a+b+c d~%zz%4");
	free(s);
	s = ecs_wire_urldecode("x%00y");
	check_str("urldecode: %00 kept", s, "x%00y");
	free(s);
}

int main(void)
{
	test_form();
	test_xml_iam();
	test_xml_ec2();
	test_xml_edges();
	test_urldecode();
	if (failures) {
		printf("test_wire: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("test_wire: %d checks passed\n", checks);
	return 0;
}
