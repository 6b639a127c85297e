/* wire.c: the query and ec2 protocols' wire formats: request parameters as
 * a form body, XML responses as JSON with botocore's member names.
 *
 * The rules are botocore's QuerySerializer and EC2Serializer
 * (botocore/serialize.py) and its query/ec2 response parsers. The runtime
 * carries no service model, so the few names that differ from the member
 * names are tables below, each checked against botocore's service-2.json
 * (iam 2010-05-08, ec2 2016-11-15) for the operations the runtime calls. */
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "wire.h"

typedef enum { WIRE_QUERY, WIRE_EC2 } WireProtocol;

static WireProtocol wire_protocol(const char *protocol)
{
	return protocol && strcmp(protocol, "ec2") == 0 ? WIRE_EC2 : WIRE_QUERY;
}

/* ---- requests ---------------------------------------------------------------- */

/* EC2 input members whose wire name (queryName, else locationName with its
 * first letter upper-cased) is not the member name, in DescribeSecurityGroups,
 * CreateSecurityGroup, Authorize/RevokeSecurityGroupIngress/Egress,
 * DeleteSecurityGroup, DescribeSecurityGroupRules, CreateTags, DescribeVpcs
 * and DescribeSubnets. IpPermissions, IpRanges, Ipv6Ranges and PrefixListIds
 * keep their names. */
static const struct {
	const char *member, *wire;
	bool top_only;          /* only a request's own member, not a nested one */
} ec2_input_names[] = {
	/* CreateSecurityGroup's; IpRange, UserIdGroupPair and the other
	 * nested structures send theirs as Description. */
	{"Description", "GroupDescription", true},
	{"Filters", "Filter", false},
	{"Values", "Value", false},             /* in a Filter */
	{"GroupIds", "GroupId", false},
	{"GroupNames", "GroupName", false},
	{"SecurityGroupRuleIds", "SecurityGroupRuleId", false},
	{"TagSpecifications", "TagSpecification", false},
	{"Tags", "Tag", false},                 /* CreateTags and TagSpecification */
	{"UserIdGroupPairs", "Groups", false},  /* in an IpPermission */
	{"Resources", "ResourceId", false},     /* CreateTags */
	{"VpcIds", "VpcId", false},
	{"SubnetIds", "SubnetId", false},
};

/* Query-protocol input members that are maps, sent as NAME.entry.N.key and
 * NAME.entry.N.value. No IAM or STS input is a map; SNS's Attributes is. */
static const char *const query_input_maps[] = {"Attributes"};

typedef struct {
	char *data;
	size_t len, cap;
	bool failed;            /* an allocation failed: the result is NULL */
} Buf;

static void buf_add(Buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d) {
			b->failed = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void buf_str(Buf *b, const char *s) { buf_add(b, s, strlen(s)); }

/* As botocore writes forms (quote_plus): unreserved characters as they
 * are, a space as '+', every other byte %XX. The bytes are signed as sent,
 * but an endpoint that checks a signature over the form it decoded and
 * encoded again (moto does) only agrees with botocore's encoding. */
static void buf_encoded(Buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			buf_add(b, (const char *)p, 1);
		} else if (c == ' ') {
			buf_add(b, "+", 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			buf_add(b, e, 3);
		}
	}
}

typedef struct {
	WireProtocol protocol;
	Buf out;                /* the form so far */
	Buf key;                /* the key being built, e.g. Tags.member.1 */
} Form;

static void form_pair(Form *f, const char *value)
{
	if (f->out.len)
		buf_add(&f->out, "&", 1);
	buf_encoded(&f->out, f->key.failed ? "" : f->key.data);
	buf_add(&f->out, "=", 1);
	buf_encoded(&f->out, value);
}

/* Integral numbers as integers (botocore sends Python ints); others in
 * the fewest digits that read back as the same double, as Python's repr. */
static void format_number(double v, char *buf, size_t n)
{
	if (v == trunc(v) && fabs(v) < 9.2e18) {
		snprintf(buf, n, "%lld", (long long)v);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* The wire name of member, in a structure depth structures deep. */
static const char *form_name(const Form *f, const char *member, int depth)
{
	if (f->protocol != WIRE_EC2)
		return member;
	for (size_t i = 0; i < sizeof ec2_input_names / sizeof ec2_input_names[0]; i++)
		if (strcmp(member, ec2_input_names[i].member) == 0 &&
		    (!ec2_input_names[i].top_only || depth == 0))
			return ec2_input_names[i].wire;
	return member;
}

static bool is_query_map(const Form *f, const char *member)
{
	if (f->protocol != WIRE_QUERY || !member)
		return false;
	for (size_t i = 0; i < sizeof query_input_maps / sizeof query_input_maps[0]; i++)
		if (strcmp(member, query_input_maps[i]) == 0)
			return true;
	return false;
}

static void form_value(Form *f, const cJSON *v, const char *member, int depth);

/* Appends ".part" (or "part" at the top) to the key, serialises v under it,
 * then takes the part off again. */
static void form_under(Form *f, const char *part, const cJSON *v, const char *member,
		       int depth)
{
	size_t mark = f->key.len;
	if (mark)
		buf_add(&f->key, ".", 1);
	buf_str(&f->key, part);
	form_value(f, v, member, depth);
	if (!f->key.failed) {
		f->key.len = mark;
		f->key.data[mark] = '\0';
	}
}

/* v, the value of member (NULL for a list element or map entry), under the
 * current key; depth counts the structures above v (0 for the request). */
static void form_value(Form *f, const cJSON *v, const char *member, int depth)
{
	char num[40];
	if (cJSON_IsString(v)) {
		form_pair(f, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		format_number(v->valuedouble, num, sizeof num);
		form_pair(f, num);
	} else if (cJSON_IsBool(v)) {
		form_pair(f, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsArray(v)) {
		const cJSON *e;
		int i = 0;
		/* The query protocol sends an empty list as "Name="; ec2 omits it. */
		if (!v->child && f->protocol == WIRE_QUERY)
			form_pair(f, "");
		cJSON_ArrayForEach(e, v) {
			snprintf(num, sizeof num, f->protocol == WIRE_EC2 ? "%d" : "member.%d", ++i);
			form_under(f, num, e, NULL, depth);
		}
	} else if (cJSON_IsObject(v) && is_query_map(f, member)) {
		const cJSON *e;
		int i = 0;
		cJSON_ArrayForEach(e, v) {
			cJSON key = {.type = cJSON_String, .valuestring = e->string};
			i++;
			snprintf(num, sizeof num, "entry.%d.key", i);
			form_under(f, num, &key, NULL, depth);
			snprintf(num, sizeof num, "entry.%d.value", i);
			form_under(f, num, e, NULL, depth);
		}
	} else if (cJSON_IsObject(v)) {
		const cJSON *e;
		cJSON_ArrayForEach(e, v)
			form_under(f, form_name(f, e->string, depth), e, e->string, depth + 1);
	}
	/* null: left out (botocore has no value to send for None). */
}

char *ecs_wire_form(const char *protocol, const cJSON *params)
{
	Form f = {.protocol = wire_protocol(protocol)};
	buf_add(&f.out, "", 0);
	if (cJSON_IsObject(params))
		form_value(&f, params, NULL, 0);
	free(f.key.data);
	if (f.out.failed || f.key.failed) {
		free(f.out.data);
		return NULL;
	}
	return f.out.data;
}

/* ---- responses ---------------------------------------------------------------- */

/* EC2 output elements whose botocore member name is not the element name
 * with its first letter upper-cased (the output shapes' locationName). */
static const struct {
	const char *xml, *member;
} ec2_output_names[] = {
	{"securityGroupInfo", "SecurityGroups"},
	{"groupDescription", "Description"},
	{"groups", "UserIdGroupPairs"},
	{"tagSet", "Tags"},
	{"securityGroupRuleSet", "SecurityGroupRules"},       /* Authorize*, Describe*Rules */
	{"revokedSecurityGroupRuleSet", "RevokedSecurityGroupRules"},
	{"unknownIpPermissionSet", "UnknownIpPermissions"},   /* Revoke* */
	{"subnetSet", "Subnets"},
	{"vpcSet", "Vpcs"},
};

/* Lists that an empty element stands for (an empty element is otherwise
 * an empty string): the list-typed output members of the operations the
 * runtime calls. EC2 names every other list NAMESet. */
static const char *const ec2_output_lists[] = {
	"ipPermissions", "ipPermissionsEgress", "groups", "ipRanges", "ipv6Ranges",
	"prefixListIds", "securityGroupInfo",
};
static const char *const query_output_lists[] = {
	"AttachedManagedPolicies", "AttachedPolicies", "GroupDetailList", "GroupList",
	"GroupPolicyList", "InstanceProfileList", "InstanceProfiles", "Policies",
	"PolicyGroups", "PolicyNames", "PolicyRoles", "PolicyUsers", "PolicyVersionList",
	"RoleDetailList", "RolePolicyList", "Roles", "Tags", "UserDetailList",
	"UserPolicyList", "Versions",
};

static bool in_list(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool is_output_list(WireProtocol p, const char *name)
{
	if (p == WIRE_EC2)
		return ends_with(name, "Set") ||
		       in_list(name, ec2_output_lists,
			       sizeof ec2_output_lists / sizeof ec2_output_lists[0]);
	return in_list(name, query_output_lists,
		       sizeof query_output_lists / sizeof query_output_lists[0]);
}

static const char *el_name(const xmlNode *n) { return (const char *)n->name; }

static xmlNode *first_element(xmlNode *n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

static xmlNode *next_element(xmlNode *n) { return first_element(n->next); }

/* True when n has element children and all of them are called name. */
static bool children_all(xmlNode *n, const char *name)
{
	xmlNode *c = first_element(n->children);
	if (!c)
		return false;
	for (; c; c = next_element(c))
		if (strcmp(el_name(c), name) != 0)
			return false;
	return true;
}

static cJSON *xml_value(WireProtocol p, xmlNode *n);

/* A leaf's text: its text and CDATA children, owned (free with free()).
 * Entity references are left out, never expanded: AWS sends none, and a
 * hostile body's DTD must not grow or fetch anything. The predefined
 * entities and character references are text already. */
static char *xml_text(const xmlNode *n)
{
	Buf b = {0};
	buf_add(&b, "", 0);
	for (const xmlNode *c = n->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			buf_str(&b, (const char *)c->content);
	if (b.failed) {
		free(b.data);
		return NULL;
	}
	return b.data;
}

static cJSON *xml_string(const xmlNode *n)
{
	char *text = xml_text(n);
	cJSON *s = text ? cJSON_CreateString(text) : NULL;
	free(text);
	return s;
}

/* The JSON member name of an element: EC2's names are camel case and a few
 * are renamed; IAM's and STS's are botocore's already. */
static void member_name(WireProtocol p, const char *xml, char *buf, size_t n)
{
	if (p == WIRE_EC2) {
		for (size_t i = 0; i < sizeof ec2_output_names / sizeof ec2_output_names[0]; i++)
			if (strcmp(xml, ec2_output_names[i].xml) == 0) {
				snprintf(buf, n, "%s", ec2_output_names[i].member);
				return;
			}
	}
	snprintf(buf, n, "%s", xml);
	if (p == WIRE_EC2 && buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
}

/* n's element children as an object, leaving out the one called drop (the
 * response metadata). A name seen twice keeps its first value. */
static cJSON *xml_object(WireProtocol p, xmlNode *n, const char *drop)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	for (xmlNode *c = first_element(n->children); c; c = next_element(c)) {
		if (drop && strcmp(el_name(c), drop) == 0)
			continue;
		char name[256];
		member_name(p, el_name(c), name, sizeof name);
		if (cJSON_GetObjectItemCaseSensitive(o, name))
			continue;
		cJSON *v = xml_value(p, c);
		if (!v || !cJSON_AddItemToObject(o, name, v)) {
			cJSON_Delete(v);
			cJSON_Delete(o);
			return NULL;
		}
	}
	return o;
}

/* A list element's children, each converted. */
static cJSON *xml_array(WireProtocol p, xmlNode *n)
{
	cJSON *a = cJSON_CreateArray();
	if (!a)
		return NULL;
	for (xmlNode *c = first_element(n->children); c; c = next_element(c)) {
		cJSON *v = xml_value(p, c);
		if (!v || !cJSON_AddItemToArray(a, v)) {
			cJSON_Delete(v);
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

/* A query-protocol map: <entry><key>K</key><value>V</value></entry>... */
static bool is_query_map_element(WireProtocol p, xmlNode *n)
{
	if (p != WIRE_QUERY || !children_all(n, "entry"))
		return false;
	for (xmlNode *e = first_element(n->children); e; e = next_element(e)) {
		xmlNode *k = first_element(e->children);
		xmlNode *v = k ? next_element(k) : NULL;
		if (!v || next_element(v) || strcmp(el_name(k), "key") != 0 ||
		    strcmp(el_name(v), "value") != 0)
			return false;
	}
	return true;
}

static cJSON *xml_map(WireProtocol p, xmlNode *n)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	for (xmlNode *e = first_element(n->children); e; e = next_element(e)) {
		xmlNode *k = first_element(e->children);
		char *key = xml_text(k);
		cJSON *v = key ? xml_value(p, next_element(k)) : NULL;
		if (!v || !cJSON_AddItemToObject(o, key, v)) {
			free(key);
			cJSON_Delete(v);
			cJSON_Delete(o);
			return NULL;
		}
		free(key);
	}
	return o;
}

/* Recursion is bounded by libxml2's own nesting limit (256 without
 * XML_PARSE_HUGE). */
static cJSON *xml_value(WireProtocol p, xmlNode *n)
{
	if (!first_element(n->children))
		return is_output_list(p, el_name(n)) ? cJSON_CreateArray() : xml_string(n);
	if (children_all(n, p == WIRE_EC2 ? "item" : "member"))
		return xml_array(p, n);
	if (is_query_map_element(p, n))
		return xml_map(p, n);
	return xml_object(p, n, NULL);
}

cJSON *ecs_wire_xml(const char *protocol, const char *body, size_t len)
{
	if (!body || len > INT_MAX)
		return NULL;
	WireProtocol p = wire_protocol(protocol);
	/* No network, no DTD, no entity expansion: a response is data. */
	xmlDocPtr doc = xmlReadMemory(body, (int)len, "response.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return NULL;
	xmlNode *root = xmlDocGetRootElement(doc);
	cJSON *out = NULL;
	if (root && p == WIRE_EC2) {
		out = xml_object(p, root, "requestId");
	} else if (root) {
		xmlNode *result = first_element(root->children);
		while (result && !ends_with(el_name(result), "Result"))
			result = next_element(result);
		/* No *Result: an error, or an operation that returns nothing. */
		out = xml_object(p, result ? result : root, result ? NULL : "ResponseMetadata");
	}
	xmlFreeDoc(doc);
	return out;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *ecs_wire_urldecode(const char *s)
{
	char *out = malloc(strlen(s) + 1);
	if (!out)
		return NULL;
	char *o = out;
	while (*s) {
		int hi = s[0] == '%' ? hex_digit(s[1]) : -1;
		int lo = hi >= 0 ? hex_digit(s[2]) : -1;
		if (lo >= 0 && (hi | lo)) {
			*o++ = (char)(hi << 4 | lo);
			s += 3;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}
