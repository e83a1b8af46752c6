package sts

import "sort"

// vpcRegions are the regions whose STS VPC endpoint
// (sts-vpc.<region>.aliyuncs.com) Alibaba Cloud documents, from its STS
// endpoint lists: https://help.aliyun.com/document_detail/66053.html,
// https://help.aliyun.com/document_detail/371859.htm and
// https://alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-endpoint.
// A region missing here may have been added since: give the host with
// "sts.endpoint" to use it anyway. An older version of the list showed
// me-east-1 (Dubai) with a public endpoint only.
var vpcRegions = map[string]bool{
	"cn-qingdao": true, "cn-beijing": true, "cn-zhangjiakou": true, "cn-huhehaote": true,
	"cn-wulanchabu": true, "cn-hangzhou": true, "cn-shanghai": true, "cn-nanjing": true,
	"cn-fuzhou": true, "cn-shenzhen": true, "cn-heyuan": true, "cn-guangzhou": true,
	"cn-wuhan-lr": true, "cn-chengdu": true, "cn-hongkong": true,
	"ap-northeast-1": true, "ap-northeast-2": true, "ap-southeast-1": true,
	"ap-southeast-3": true, "ap-southeast-7": true,
}

// HasVPCEndpoint reports whether Alibaba documents an STS VPC endpoint
// for region.
func HasVPCEndpoint(region string) bool { return vpcRegions[region] }

// VPCRegions lists the regions with a documented STS VPC endpoint, sorted.
func VPCRegions() []string {
	out := make([]string, 0, len(vpcRegions))
	for r := range vpcRegions {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}
