"""The fake Dysmsapi's signature check: Aliyun's own worked examples, and the SDK's signing."""

from __future__ import annotations

import urllib.parse

import pytest
from aliyunsdkcore.auth.composer import rpc_signature_composer

from tests.fakes.aliyun_sms import percent_encode, signature, string_to_sign


def test_aliyun_worked_example_describe_regions() -> None:
    # Aliyun's signature documentation example (ECS DescribeRegions, secret "testsecret")
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert string_to_sign("GET", params) == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML"
        "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"
        "%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z"
        "%26Version%3D2014-05-26"
    )
    assert signature("GET", params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_aliyun_worked_example_send_sms() -> None:
    # Dysmsapi's signature example: Chinese sign name and JSON template parameters
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert signature("GET", params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_percent_encoding_rules() -> None:
    assert percent_encode("a b") == "a%20b"  # never "+"
    assert percent_encode("*") == "%2A"
    assert percent_encode("~-_.") == "~-_."
    assert percent_encode("/") == "%2F"
    assert percent_encode("+") == "%2B"
    assert percent_encode("掌") == "%E6%8E%8C"  # UTF-8, upper-case hex


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "a b+c*d~e/f",
        "=&%",
        "办件0123456789需补充材料：户口本原件（须加盖公章）",
        "emoji 🙂 and ü",
        '{"reason":"a \\"quoted\\" word"}',
        "",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_fake_agrees_with_the_sdk(value: str, method: str) -> None:
    """The SDK's own signer and the fake compute the same string to sign and signature."""
    query = {"Action": "SendSms", "Version": "2017-05-25", "RegionId": "cn-hangzhou"}
    body = {"TemplateParam": value, "SignName": "掌上办", "PhoneNumbers": "13800138000"}
    url, sdk_string = rpc_signature_composer.get_signed_url(
        dict(query), "key-id", "key secret*~", "JSON", method, body
    )
    sent = dict(urllib.parse.parse_qsl(url.removeprefix("/?"), keep_blank_values=True))
    everything = {**sent, **body}
    assert string_to_sign(method, everything) == sdk_string
    assert signature(method, everything, "key secret*~") == sent["Signature"]
