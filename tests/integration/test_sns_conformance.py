"""SNS against AWS's documented rules (issue 13), through boto3 and the aws CLI: FIFO topics
(attributes, MessageGroupId, deduplication scopes, delivery to FIFO and standard queues), region
scoping of ARNs, filter-policy numbers and String.Array values, platform application checks, and
the exact error texts of Publish, PublishBatch, subscriptions and paging."""
import hashlib
import json
import time
import unittest

import botocore.exceptions

from test_sns import SnsCase


class Base(SnsCase):
    def topic(self, **attrs):  # FifoTopic in any case
        fifo = str(attrs.get("FifoTopic", "")).lower() == "true"
        return self.sns.create_topic(Name=self.name(".fifo" if fifo else ""), Attributes=attrs)["TopicArn"]

    def drain(self, url, expect, timeout=10, **kw):  # and delete what was received
        got = super().drain(url, expect, timeout, **kw)
        for m in got:
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return got

    def nothing_more(self, url):
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1))

    def error(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        r = cm.exception.response
        return r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"]


class FifoTopics(Base):
    def test_boolean_attributes_in_any_case(self):
        arn = self.topic(FifoTopic="True", ContentBasedDeduplication="TRUE")
        self.assertTrue(arn.endswith(".fifo"))
        a = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual((a["FifoTopic"], a["ContentBasedDeduplication"], a["FifoThroughputScope"]),
                         ("true", "true", "Topic"))
        # Creating again with the same values in another case is the same topic.
        again = self.sns.create_topic(Name=arn.split(":")[-1], Attributes={"FifoTopic": "true",
                                                                           "ContentBasedDeduplication": "true"})
        self.assertEqual(again["TopicArn"], arn)
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="ContentBasedDeduplication", AttributeValue="False")
        a = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual(a["ContentBasedDeduplication"], "false")
        # FifoTopic=False names a standard topic.
        std = self.sns.create_topic(Name=self.name(), Attributes={"FifoTopic": "False"})["TopicArn"]
        self.assertNotIn("FifoTopic", self.sns.get_topic_attributes(TopicArn=std)["Attributes"])
        code, msg, status = self.error(self.sns.create_topic, Name=self.name(".fifo"), Attributes={"FifoTopic": "yes"})
        self.assertEqual((code, status), ("InvalidParameter", 400))
        self.assertIn("FifoTopic", msg)

    def test_boolean_subscription_and_endpoint_attributes_in_any_case(self):
        arn = self.topic()
        url, qarn = self.queue()
        sub = self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn,
                                 Attributes={"RawMessageDelivery": "True"})["SubscriptionArn"]
        self.assertEqual(self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["RawMessageDelivery"],
                         "true")
        self.sns.publish(TopicArn=arn, Message="raw")
        self.assertEqual([m["Body"] for m in self.drain(url, 1)], ["raw"])
        self.sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery",
                                             AttributeValue="FALSE")
        self.sns.publish(TopicArn=arn, Message="wrapped")
        self.assertEqual(json.loads(self.drain(url, 1)[0]["Body"])["Message"], "wrapped")
        code, _, _ = self.error(self.sns.set_subscription_attributes, SubscriptionArn=sub,
                                AttributeName="RawMessageDelivery", AttributeValue="yes")
        self.assertEqual(code, "InvalidParameter")
        app = self.sns.create_platform_application(Name=self.name(), Platform="GCM",
                                                   Attributes={"PlatformCredential": "k"})["PlatformApplicationArn"]
        ep = self.sns.create_platform_endpoint(PlatformApplicationArn=app, Token="t")["EndpointArn"]
        self.sns.set_endpoint_attributes(EndpointArn=ep, Attributes={"Enabled": "False"})
        self.assertEqual(self.sns.get_endpoint_attributes(EndpointArn=ep)["Attributes"]["Enabled"], "false")
        code, _, _ = self.error(self.sns.publish, TargetArn=ep, Message="x")
        self.assertEqual(code, "EndpointDisabled")

    def test_fifo_throughput_scope(self):
        arn = self.topic(FifoTopic="true", FifoThroughputScope="MessageGroup")
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["FifoThroughputScope"],
                         "MessageGroup")
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="FifoThroughputScope", AttributeValue="Topic")
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["FifoThroughputScope"], "Topic")
        code, _, _ = self.error(self.sns.set_topic_attributes, TopicArn=arn, AttributeName="FifoThroughputScope",
                                AttributeValue="Queue")
        self.assertEqual(code, "InvalidParameter")
        std = self.topic()
        for attr, value in [("FifoThroughputScope", "Topic"), ("ContentBasedDeduplication", "true")]:
            code, _, _ = self.error(self.sns.set_topic_attributes, TopicArn=std, AttributeName=attr,
                                    AttributeValue=value)
            self.assertEqual(code, "InvalidParameter", attr)
            code, _, _ = self.error(self.sns.create_topic, Name=self.name(), Attributes={attr: value})
            self.assertEqual(code, "InvalidParameter", attr)

    def test_message_group_id_is_required(self):
        arn = self.topic(FifoTopic="true", ContentBasedDeduplication="true")
        code, msg, status = self.error(self.sns.publish, TopicArn=arn, Message="x")
        self.assertEqual((code, msg, status),
                         ("InvalidParameter", "The request must contain the parameter MessageGroupId.", 400))
        # PublishBatch refuses the whole batch when an entry lacks it.
        code, msg, _ = self.error(self.sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": "a", "Message": "x", "MessageGroupId": "g"}, {"Id": "b", "Message": "y"}])
        self.assertEqual((code, msg), ("InvalidParameter", "The request must contain the parameter MessageGroupId."))
        # Without ContentBasedDeduplication, a deduplication id is required too.
        plain = self.topic(FifoTopic="true")
        code, msg, _ = self.error(self.sns.publish, TopicArn=plain, Message="x", MessageGroupId="g")
        self.assertEqual(code, "InvalidParameter")
        self.assertIn("ContentBasedDeduplication", msg)
        code, _, _ = self.error(self.sns.publish_batch, TopicArn=plain, PublishBatchRequestEntries=[
            {"Id": "a", "Message": "x", "MessageGroupId": "g"}])
        self.assertEqual(code, "InvalidParameter")
        # Ids of more than 128 characters, or with spaces, are refused.
        code, _, _ = self.error(self.sns.publish, TopicArn=arn, Message="x", MessageGroupId="g" * 129)
        self.assertEqual(code, "InvalidParameter")
        code, _, _ = self.error(self.sns.publish, TopicArn=arn, Message="x", MessageGroupId="g",
                                MessageDeduplicationId="a b")
        self.assertEqual(code, "InvalidParameter")
        # A deduplication id on a standard topic is refused; a group id is accepted (fair queues).
        std = self.topic()
        code, _, _ = self.error(self.sns.publish, TopicArn=std, Message="x", MessageDeduplicationId="d")
        self.assertEqual(code, "InvalidParameter")
        self.assertIn("MessageId", self.sns.publish(TopicArn=std, Message="x", MessageGroupId="tenant-1"))

    def test_deduplication_window_and_scopes(self):
        arn = self.topic(FifoTopic="true", ContentBasedDeduplication="true")
        url, qarn = self.queue(fifo=True)
        self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
        p1 = self.sns.publish(TopicArn=arn, Message="same", MessageGroupId="g")
        p2 = self.sns.publish(TopicArn=arn, Message="same", MessageGroupId="g")
        self.assertEqual(p1["MessageId"], p2["MessageId"])
        self.assertEqual(p1["SequenceNumber"], p2["SequenceNumber"])
        # The explicit id equal to the generated one (SHA-256 of the body) is a duplicate too.
        p3 = self.sns.publish(TopicArn=arn, Message="other body", MessageGroupId="g",
                              MessageDeduplicationId=hashlib.sha256(b"same").hexdigest())
        self.assertEqual(p3["MessageId"], p1["MessageId"])
        # Topic scope: the same id in another group is a duplicate.
        p4 = self.sns.publish(TopicArn=arn, Message="same", MessageGroupId="h")
        self.assertEqual(p4["MessageId"], p1["MessageId"])
        # Across batches as well.
        out = self.sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": "1", "Message": "same", "MessageGroupId": "g"},
            {"Id": "2", "Message": "new", "MessageGroupId": "g"}])
        ids = {e["Id"]: e["MessageId"] for e in out["Successful"]}
        self.assertEqual(ids["1"], p1["MessageId"])
        self.assertNotEqual(ids["2"], p1["MessageId"])
        self.assertEqual([m["Body"] for m in self.drain(url, 2)], ["same", "new"])
        self.nothing_more(url)
        # MessageGroup scope: the same id in two groups is two messages.
        grouped = self.topic(FifoTopic="true", FifoThroughputScope="MessageGroup")
        a = self.sns.publish(TopicArn=grouped, Message="m", MessageGroupId="g1", MessageDeduplicationId="d")
        b = self.sns.publish(TopicArn=grouped, Message="m", MessageGroupId="g2", MessageDeduplicationId="d")
        c = self.sns.publish(TopicArn=grouped, Message="m", MessageGroupId="g1", MessageDeduplicationId="d")
        self.assertNotEqual(a["MessageId"], b["MessageId"])
        self.assertEqual(a["MessageId"], c["MessageId"])
        self.assertGreater(int(b["SequenceNumber"]), int(a["SequenceNumber"]))

    def test_delivery_to_fifo_queue_carries_group_and_deduplication_ids(self):
        arn = self.topic(FifoTopic="true", ContentBasedDeduplication="true")
        url, qarn = self.queue(fifo=True)
        self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)
        self.sns.publish(TopicArn=arn, Message="explicit", MessageGroupId="g1", MessageDeduplicationId="dedup-1")
        self.sns.publish(TopicArn=arn, Message="content", MessageGroupId="g2")
        got = self.drain(url, 2, MessageSystemAttributeNames=["All"])
        by_body = {json.loads(m["Body"])["Message"]: m["Attributes"] for m in got}
        self.assertEqual(by_body["explicit"]["MessageGroupId"], "g1")
        self.assertEqual(by_body["explicit"]["MessageDeduplicationId"], "dedup-1")
        self.assertEqual(by_body["content"]["MessageGroupId"], "g2")
        self.assertEqual(by_body["content"]["MessageDeduplicationId"], hashlib.sha256(b"content").hexdigest())
        self.assertIn("SequenceNumber", by_body["content"])

    def test_only_queues_subscribe_to_fifo_topics(self):
        arn = self.topic(FifoTopic="true", ContentBasedDeduplication="true")
        for protocol, endpoint in [("lambda", "arn:aws:lambda:us-east-1:000000000000:function:f"),
                                   ("http", "http://localhost:1/x"), ("email", "a@example.com"),
                                   ("sms", "+15550100")]:
            code, msg, _ = self.error(self.sns.subscribe, TopicArn=arn, Protocol=protocol, Endpoint=endpoint)
            self.assertEqual((code, msg), ("InvalidParameter", f"Invalid parameter: Invalid protocol type: {protocol}"))
        # A standard queue may subscribe to a FIFO topic; it gets neither group nor deduplication id.
        url, qarn = self.queue()
        self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
        self.sns.publish(TopicArn=arn, Message="to standard", MessageGroupId="g")
        m = self.drain(url, 1, MessageSystemAttributeNames=["All"])[0]
        self.assertEqual(m["Body"], "to standard")
        self.assertNotIn("MessageGroupId", m["Attributes"])
        self.assertNotIn("MessageDeduplicationId", m["Attributes"])
        # A FIFO queue cannot subscribe to a standard topic.
        std = self.topic()
        _, fifo_q = self.queue(fifo=True)
        code, msg, _ = self.error(self.sns.subscribe, TopicArn=std, Protocol="sqs", Endpoint=fifo_q)
        self.assertEqual(code, "InvalidParameter")
        self.assertIn("FIFO SQS Queues can not be subscribed to standard SNS topics", msg)

    def test_standard_topic_passes_group_id_to_standard_queues(self):
        arn = self.topic()
        url, qarn = self.queue()
        self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)
        self.sns.publish(TopicArn=arn, Message="fair", MessageGroupId="tenant-7")
        m = self.drain(url, 1, MessageSystemAttributeNames=["All"])[0]
        self.assertEqual(m["Attributes"].get("MessageGroupId"), "tenant-7")

    def test_aws_cli_fifo(self):
        name = self.name(".fifo")
        arn = self.stratus.aws("sns", "create-topic", "--name", name, "--attributes",
                               "FifoTopic=True,ContentBasedDeduplication=True")["TopicArn"]
        out = self.stratus.aws("sns", "publish", "--topic-arn", arn, "--message", "hi", "--message-group-id", "g")
        self.assertIn("SequenceNumber", out)
        cp = self.stratus.aws("sns", "publish", "--topic-arn", arn, "--message", "hi", check=False)
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("The request must contain the parameter MessageGroupId.", cp.stderr)


class Regions(Base):
    def test_arns_are_found_only_in_their_region(self):
        west = self.stratus.client("sns", region="us-west-2")
        arn = self.topic()
        _, qarn = self.queue()
        sub = self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
        for fn, kw in [(west.get_topic_attributes, {"TopicArn": arn}),
                       (west.set_topic_attributes, {"TopicArn": arn, "AttributeName": "DisplayName",
                                                    "AttributeValue": "x"}),
                       (west.subscribe, {"TopicArn": arn, "Protocol": "sqs", "Endpoint": qarn}),
                       (west.list_subscriptions_by_topic, {"TopicArn": arn})]:
            code, msg, status = self.error(fn, **kw)
            self.assertEqual((code, msg, status), ("NotFound", "Topic does not exist", 404), fn)
        code, msg, _ = self.error(west.get_subscription_attributes, SubscriptionArn=sub)
        self.assertEqual((code, msg), ("NotFound", "Subscription does not exist"))
        code, _, _ = self.error(west.unsubscribe, SubscriptionArn=sub)
        self.assertEqual(code, "NotFound")
        code, _, _ = self.error(west.list_tags_for_resource, ResourceArn=arn)
        self.assertEqual(code, "ResourceNotFound")
        # Publishing works within the same region only.
        code, msg, _ = self.error(west.publish, TopicArn=arn, Message="x")
        self.assertEqual((code, msg), ("InvalidParameter", "Invalid parameter: TopicArn"))
        # The topic is untouched, and its own region still finds it.
        self.assertEqual(self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["TopicArn"], arn)
        self.assertNotIn(arn, [t["TopicArn"] for t in west.list_topics()["Topics"]])
        # The same name in the other region is another topic.
        west_arn = west.create_topic(Name=arn.split(":")[-1])["TopicArn"]
        self.assertEqual(west_arn, arn.replace("us-east-1", "us-west-2"))
        code, _, _ = self.error(self.sns.get_topic_attributes, TopicArn=west_arn)
        self.assertEqual(code, "NotFound")

    def test_platform_arns_are_regional(self):
        app = self.sns.create_platform_application(Name=self.name(), Platform="GCM",
                                                   Attributes={"PlatformCredential": "k"})["PlatformApplicationArn"]
        ep = self.sns.create_platform_endpoint(PlatformApplicationArn=app, Token="t1")["EndpointArn"]
        west = self.stratus.client("sns", region="eu-west-1")
        code, _, _ = self.error(west.get_platform_application_attributes, PlatformApplicationArn=app)
        self.assertEqual(code, "NotFound")
        code, _, _ = self.error(west.get_endpoint_attributes, EndpointArn=ep)
        self.assertEqual(code, "NotFound")
        code, _, _ = self.error(west.create_platform_endpoint, PlatformApplicationArn=app, Token="t2")
        self.assertEqual(code, "NotFound")


class Filters(Base):
    def subscribed(self, topic, policy, scope=None):
        url, qarn = self.queue()
        attrs = {"RawMessageDelivery": "true", "FilterPolicy": json.dumps(policy) if not isinstance(policy, str)
                 else policy}
        if scope:
            attrs["FilterPolicyScope"] = scope
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes=attrs)
        return url

    def test_numbers_inside_string_arrays(self):
        arn = self.topic()
        above = self.subscribed(arn, {"scores": [{"numeric": [">", 100]}]})
        exact = self.subscribed(arn, {"scores": [{"numeric": ["=", 0.3]}]})
        listed = self.subscribed(arn, {"scores": [301.5]})

        def pub(body, value):
            self.sns.publish(TopicArn=arn, Message=body, MessageAttributes={
                "scores": {"DataType": "String.Array", "StringValue": value}})

        pub("big", '[1, 150, "x"]')
        pub("small", "[1, 2, 3]")
        pub("float", "[0.30000000000000004]")  # 0.1 + 0.2: equal at five decimals, as AWS compares
        pub("exp", '["a", 3.015e2]')
        pub("strings", '["150", "0.3"]')  # numbers written as strings are strings
        self.assertEqual(sorted(m["Body"] for m in self.drain(above, 2)), ["big", "exp"])
        self.assertEqual([m["Body"] for m in self.drain(exact, 1)], ["float"])
        self.assertEqual([m["Body"] for m in self.drain(listed, 1)], ["exp"])
        for url in (above, exact, listed):
            self.nothing_more(url)

    def test_number_attributes_at_five_decimals(self):
        arn = self.topic()
        url = self.subscribed(arn, {"price": [{"numeric": ["=", 10.000001]}]})
        self.sns.publish(TopicArn=arn, Message="ten", MessageAttributes={
            "price": {"DataType": "Number", "StringValue": "10"}})
        self.sns.publish(TopicArn=arn, Message="ten-ish", MessageAttributes={
            "price": {"DataType": "Number", "StringValue": "10.0001"}})
        self.assertEqual([m["Body"] for m in self.drain(url, 1)], ["ten"])
        self.nothing_more(url)

    def test_string_array_that_is_not_a_json_array(self):
        arn = self.topic()
        url = self.subscribed(arn, {"tags": ["plain"]})
        anything = self.subscribed(arn, {"tags": [{"exists": True}]})
        # Accepted at Publish; matched as the string it is.
        self.sns.publish(TopicArn=arn, Message="m1", MessageAttributes={
            "tags": {"DataType": "String.Array", "StringValue": "plain"}})
        self.sns.publish(TopicArn=arn, Message="m2", MessageAttributes={
            "tags": {"DataType": "String.Array", "StringValue": "[\"other\""}})
        self.assertEqual([m["Body"] for m in self.drain(url, 1)], ["m1"])
        self.assertEqual(sorted(m["Body"] for m in self.drain(anything, 2)), ["m1", "m2"])
        self.nothing_more(url)

    def test_empty_policy_with_message_body_scope(self):
        arn = self.topic()
        url = self.subscribed(arn, "{}", scope="MessageBody")
        attr_scope = self.subscribed(arn, "{}")
        self.sns.publish(TopicArn=arn, Message="not json at all")
        self.sns.publish(TopicArn=arn, Message=json.dumps({"a": 1}))
        for u in (url, attr_scope):
            self.assertEqual(sorted(m["Body"] for m in self.drain(u, 2)), sorted(["not json at all", '{"a": 1}']))
        sub = [s for s in self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]][0]["SubscriptionArn"]
        a = self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
        self.assertEqual(a["FilterPolicy"], "{}")


class Platforms(Base):
    def test_create_platform_application_checks(self):
        code, _, _ = self.error(self.sns.create_platform_application, Name="bad name", Platform="GCM",
                                Attributes={"PlatformCredential": "k"})
        self.assertEqual(code, "InvalidParameter")
        code, _, _ = self.error(self.sns.create_platform_application, Name="a" * 257, Platform="GCM",
                                Attributes={"PlatformCredential": "k"})
        self.assertEqual(code, "InvalidParameter")
        for platform in ("ADM", "APNS", "BAIDU"):
            code, msg, _ = self.error(self.sns.create_platform_application, Name="x", Platform=platform,
                                      Attributes={"PlatformCredential": "k"})
            self.assertEqual(code, "InvalidParameter", platform)
            self.assertIn("PlatformPrincipal", msg)
        code, msg, _ = self.error(self.sns.create_platform_application, Name="x", Platform="GCM",
                                  Attributes={"PlatformCredential": "k", "Colour": "blue"})
        self.assertEqual(code, "InvalidParameter")
        self.assertIn("Colour", msg)
        code, _, _ = self.error(self.sns.create_platform_application, Name="x", Platform="GCM",
                                Attributes={"PlatformCredential": "k", "SuccessFeedbackSampleRate": "101"})
        self.assertEqual(code, "InvalidParameter")
        code, _, _ = self.error(self.sns.create_platform_application, Name="x", Platform="APNS",
                                Attributes={"PlatformCredential": "k", "PlatformPrincipal": "kid",
                                            "ApplePlatformTeamID": "TEAM"})
        self.assertEqual(code, "InvalidParameter")

    def test_attribute_round_trip(self):
        topic = self.topic()
        attrs = {"PlatformCredential": "signing-key", "PlatformPrincipal": "KEYID",
                 "ApplePlatformTeamID": "TEAM123", "ApplePlatformBundleID": "com.example.app",
                 "EventEndpointCreated": topic, "SuccessFeedbackSampleRate": "50"}
        app = self.sns.create_platform_application(Name=self.name(), Platform="APNS",
                                                   Attributes=attrs)["PlatformApplicationArn"]
        got = self.sns.get_platform_application_attributes(PlatformApplicationArn=app)["Attributes"]
        self.assertEqual(got, {"Enabled": "true", "ApplePlatformTeamID": "TEAM123",
                               "ApplePlatformBundleID": "com.example.app", "EventEndpointCreated": topic,
                               "SuccessFeedbackSampleRate": "50"})
        self.sns.set_platform_application_attributes(PlatformApplicationArn=app, Attributes={
            "EventDeliveryFailure": topic, "SuccessFeedbackSampleRate": "0"})
        got = self.sns.get_platform_application_attributes(PlatformApplicationArn=app)["Attributes"]
        self.assertEqual((got["EventDeliveryFailure"], got["SuccessFeedbackSampleRate"]), (topic, "0"))
        code, _, _ = self.error(self.sns.set_platform_application_attributes, PlatformApplicationArn=app,
                                Attributes={"Unknown": "x"})
        self.assertEqual(code, "InvalidParameter")
        code, _, _ = self.error(self.sns.set_platform_application_attributes, PlatformApplicationArn=app,
                                Attributes={"EventEndpointDeleted": "not-an-arn"})
        self.assertEqual(code, "InvalidParameter")
        ep = self.sns.create_platform_endpoint(PlatformApplicationArn=app, Token="tok")["EndpointArn"]
        code, _, _ = self.error(self.sns.create_platform_endpoint, PlatformApplicationArn=app, Token="tok2",
                                CustomUserData="x" * 2048)
        self.assertEqual(code, "InvalidParameter")
        code, _, _ = self.error(self.sns.set_endpoint_attributes, EndpointArn=ep, Attributes={"Colour": "x"})
        self.assertEqual(code, "InvalidParameter")

    def test_publish_to_disabled_endpoint(self):
        app = self.sns.create_platform_application(Name=self.name(), Platform="GCM",
                                                   Attributes={"PlatformCredential": "k"})["PlatformApplicationArn"]
        ep = self.sns.create_platform_endpoint(PlatformApplicationArn=app, Token="dev",
                                               Attributes={"Enabled": "false"})["EndpointArn"]
        code, msg, status = self.error(self.sns.publish, TargetArn=ep, Message="x")
        self.assertEqual((code, msg, status), ("EndpointDisabled", "Endpoint is disabled", 400))
        self.sns.set_endpoint_attributes(EndpointArn=ep, Attributes={"Enabled": "true"})
        self.assertIn("MessageId", self.sns.publish(TargetArn=ep, Message="x"))
        self.sns.set_platform_application_attributes(PlatformApplicationArn=app, Attributes={"Enabled": "false"})
        code, _, _ = self.error(self.sns.publish, TargetArn=ep, Message="x")
        self.assertEqual(code, "PlatformApplicationDisabled")


class ErrorTexts(Base):
    def test_subject(self):
        arn = self.topic()
        self.sns.publish(TopicArn=arn, Message="x", Subject="s" * 100)
        self.sns.publish(TopicArn=arn, Message="x", Subject="é" * 100)  # characters, not bytes
        code, msg, status = self.error(self.sns.publish, TopicArn=arn, Message="x", Subject="s" * 101)
        self.assertEqual((code, msg, status), ("InvalidParameter", "Subject must be less than 100 characters", 400))
        code, msg, _ = self.error(self.sns.publish, TopicArn=arn, Message="x", Subject="line\nbreak")
        self.assertEqual((code, msg), ("InvalidParameter", "Invalid parameter: Subject"))

    def test_message_structure_json(self):
        arn = self.topic()
        code, msg, _ = self.error(self.sns.publish, TopicArn=arn, MessageStructure="json", Message="{not json")
        self.assertEqual((code, msg), ("InvalidParameter", "Message is not valid JSON."))
        code, msg, _ = self.error(self.sns.publish, TopicArn=arn, MessageStructure="json", Message="[1, 2]")
        self.assertEqual((code, msg), ("InvalidParameter", "Message is not valid JSON."))
        code, msg, _ = self.error(self.sns.publish, TopicArn=arn, MessageStructure="json",
                                  Message=json.dumps({"sqs": "x"}))
        self.assertEqual((code, msg),
                         ("InvalidParameter", "Invalid parameter: Message Structure - No default entry in JSON message body"))
        code, msg, _ = self.error(self.sns.publish, TopicArn=arn, MessageStructure="json",
                                  Message=json.dumps({"default": 5}))
        self.assertIn("No default entry", msg)
        code, msg, _ = self.error(self.sns.publish, PhoneNumber="+15550100", MessageStructure="json", Message="{")
        self.assertEqual((code, msg), ("InvalidParameter", "Message is not valid JSON."))
        code, _, _ = self.error(self.sns.publish, TopicArn=arn, MessageStructure="xml", Message="{}")
        self.assertEqual(code, "InvalidParameter")
        # PublishBatch entries fail one by one with the same texts.
        out = self.sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": "ok", "Message": json.dumps({"default": "d"}), "MessageStructure": "json"},
            {"Id": "bad", "Message": "{", "MessageStructure": "json"}])
        self.assertEqual([e["Id"] for e in out["Successful"]], ["ok"])
        self.assertEqual(out["Failed"][0]["Code"], "InvalidParameter")
        self.assertEqual(out["Failed"][0]["Message"], "Message is not valid JSON.")
        self.assertTrue(out["Failed"][0]["SenderFault"])

    def test_phone_numbers_are_e164(self):
        for bad in ("5550100", "+0123456", "+1 555 0100", "+1555010012345678", "+1555abc"):
            code, msg, _ = self.error(self.sns.publish, PhoneNumber=bad, Message="x")
            self.assertEqual((code, msg), ("InvalidParameter",
                                           f"Invalid parameter: PhoneNumber Reason: {bad} is not valid to publish to"),
                             bad)
        self.assertIn("MessageId", self.sns.publish(PhoneNumber="+447700900123", Message="hello"))

    def test_message_attribute_names(self):
        arn = self.topic()
        for bad in (".lead", "trail.", "a..b", "AWS.thing", "amazon.x", "sp ace", "x" * 257):
            code, _, _ = self.error(self.sns.publish, TopicArn=arn, Message="x", MessageAttributes={
                bad: {"DataType": "String", "StringValue": "v"}})
            self.assertEqual(code, "InvalidParameter", bad)
        self.sns.publish(TopicArn=arn, Message="x", MessageAttributes={
            "a.b-c_d": {"DataType": "String", "StringValue": "v"}})

    def test_publish_batch_message_attributes(self):
        arn = self.topic()
        url, qarn = self.queue()
        self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
        out = self.sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": "good", "Message": "m", "MessageAttributes": {"k": {"DataType": "Number", "StringValue": "5"}}},
            {"Id": "nan", "Message": "m", "MessageAttributes": {"k": {"DataType": "Number", "StringValue": "five"}}},
            {"Id": "type", "Message": "m", "MessageAttributes": {"k": {"DataType": "Text", "StringValue": "v"}}},
            {"Id": "name", "Message": "m", "MessageAttributes": {"AWS.k": {"DataType": "String", "StringValue": "v"}}},
            {"Id": "many", "Message": "m", "MessageAttributes": {
                f"k{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)}}])
        self.assertEqual([e["Id"] for e in out["Successful"]], ["good"])
        failed = {e["Id"]: e["Code"] for e in out["Failed"]}
        self.assertEqual(failed, {"nan": "ParameterValueInvalid", "type": "ParameterValueInvalid",
                                  "name": "InvalidParameter", "many": "InvalidParameter"})
        m = self.drain(url, 1, MessageAttributeNames=["All"])[0]
        self.assertEqual(m["MessageAttributes"], {"k": {"StringValue": "5", "DataType": "Number"}})
        # Attributes count toward the batch's 256 KiB.
        code, _, _ = self.error(self.sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": "1", "Message": "x" * 200000},
            {"Id": "2", "Message": "y", "MessageAttributes": {"big": {"DataType": "String",
                                                                      "StringValue": "z" * 70000}}}])
        self.assertEqual(code, "BatchRequestTooLong")

    def test_subscription_attributes_of_unknown_and_pending(self):
        arn = self.topic()
        code, msg, status = self.error(self.sns.get_subscription_attributes, SubscriptionArn=arn + ":0c7a1b2c")
        self.assertEqual((code, msg, status), ("NotFound", "Subscription does not exist", 404))
        code, msg, _ = self.error(self.sns.get_subscription_attributes, SubscriptionArn="PendingConfirmation")
        self.assertEqual((code, msg), ("InvalidParameter", "Invalid parameter: SubscriptionArn"))
        pending = self.sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="someone@example.com",
                                     ReturnSubscriptionArn=True)["SubscriptionArn"]
        self.assertTrue(pending.startswith(arn + ":"))
        a = self.sns.get_subscription_attributes(SubscriptionArn=pending)["Attributes"]
        self.assertEqual((a["PendingConfirmation"], a["ConfirmationWasAuthenticated"]), ("true", "false"))
        listed = self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        self.assertEqual([s["SubscriptionArn"] for s in listed], ["PendingConfirmation"])
        self.assertEqual(self.sns.subscribe(TopicArn=arn, Protocol="email",
                                            Endpoint="someone@example.com")["SubscriptionArn"], "pending confirmation")

    def test_list_subscriptions_paging_tokens(self):
        arn = self.topic()
        for i in range(3):
            self.sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint=f"+1555111{i:04d}")
        for bad in ("not-a-token", "!!!", "bm90IGEgbnVtYmVy"):
            code, msg, _ = self.error(self.sns.list_subscriptions, NextToken=bad)
            self.assertEqual((code, msg), ("InvalidParameter", "Invalid parameter: NextToken"), bad)
            code, _, _ = self.error(self.sns.list_subscriptions_by_topic, TopicArn=arn, NextToken=bad)
            self.assertEqual(code, "InvalidParameter")
            code, _, _ = self.error(self.sns.list_topics, NextToken=bad)
            self.assertEqual(code, "InvalidParameter")
        paginator = self.sns.get_paginator("list_subscriptions")
        seen = [s for page in paginator.paginate() for s in page["Subscriptions"] if s["TopicArn"] == arn]
        self.assertEqual(len(seen), 3)


class Limits(Base):
    """Limits and paging the botocore documentation of each operation states."""

    def test_fifo_topic_limit(self):
        existing = sum(1 for p in self.sns.get_paginator("list_topics").paginate() for t in p["Topics"]
                       if t["TopicArn"].endswith(".fifo"))
        for i in range(1000 - existing):
            self.sns.create_topic(Name=f"lim-{i}.fifo", Attributes={"FifoTopic": "true"})
        self.sns.create_topic(Name="lim-0.fifo", Attributes={"FifoTopic": "true"})  # existing: still fine
        code, msg, status = self.error(self.sns.create_topic, Name="lim-1000.fifo", Attributes={"FifoTopic": "true"})
        self.assertEqual((code, msg, status), ("TopicLimitExceeded", "Topic limit exceeded", 403))
        self.sns.create_topic(Name="lim-standard")  # standard topics count apart
        west = self.stratus.client("sns", region="us-west-2")  # and so do other regions
        west.create_topic(Name="lim-1000.fifo", Attributes={"FifoTopic": "true"})
        self.sns.delete_topic(TopicArn="arn:aws:sns:us-east-1:000000000000:lim-0.fifo")
        self.sns.create_topic(Name="lim-1000.fifo", Attributes={"FifoTopic": "true"})

    def test_fifo_subscription_limit(self):
        arn = self.topic(FifoTopic="true")
        for i in range(100):
            self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:000000000000:q{i}.fifo")
        code, _, status = self.error(self.sns.subscribe, TopicArn=arn, Protocol="sqs",
                                     Endpoint="arn:aws:sqs:us-east-1:000000000000:q100.fifo")
        self.assertEqual((code, status), ("SubscriptionLimitExceeded", 403))

    def test_filter_policy_limit_per_topic(self):
        arn = self.topic()
        policy = json.dumps({"k": ["v"]})
        for i in range(200):
            self.sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint=f"+1555200{i:04d}",
                               Attributes={"FilterPolicy": policy})
        code, _, status = self.error(self.sns.subscribe, TopicArn=arn, Protocol="sms", Endpoint="+15553000000",
                                     Attributes={"FilterPolicy": policy})
        self.assertEqual((code, status), ("FilterPolicyLimitExceeded", 403))
        plain = self.sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint="+15553000001")["SubscriptionArn"]
        code, _, _ = self.error(self.sns.set_subscription_attributes, SubscriptionArn=plain,
                                AttributeName="FilterPolicy", AttributeValue=policy)
        self.assertEqual(code, "FilterPolicyLimitExceeded")

    def test_data_protection_policy(self):
        policy = json.dumps({"Name": "p", "Version": "2021-06-01", "Statement": []})
        arn = self.sns.create_topic(Name=self.name(), DataProtectionPolicy=policy)["TopicArn"]
        self.assertEqual(self.sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"], policy)
        for bad in ("{not json", json.dumps({"Name": "x" * 30720})):
            code, _, _ = self.error(self.sns.create_topic, Name=self.name(), DataProtectionPolicy=bad)
            self.assertEqual(code, "InvalidParameter")
            code, _, _ = self.error(self.sns.put_data_protection_policy, ResourceArn=arn, DataProtectionPolicy=bad)
            self.assertEqual(code, "InvalidParameter")

    def test_tags_at_creation(self):
        tags = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
        code, _, _ = self.error(self.sns.create_topic, Name=self.name(), Tags=tags)
        self.assertEqual(code, "TagLimitExceeded")

    def test_sms_publish_is_at_most_1600_characters(self):
        self.sns.publish(PhoneNumber="+15550101", Message="x" * 1600)
        code, msg, _ = self.error(self.sns.publish, PhoneNumber="+15550101", Message="x" * 1601)
        self.assertEqual((code, msg), ("InvalidParameter", "Invalid parameter: Message too long"))

    def test_platform_lists_page_by_100(self):
        for i in range(101):
            self.sns.create_platform_application(Name=f"pg-{i:03d}", Platform="GCM",
                                                 Attributes={"PlatformCredential": "k"})
        first = self.sns.list_platform_applications()
        self.assertEqual(len(first["PlatformApplications"]), 100)
        second = self.sns.list_platform_applications(NextToken=first["NextToken"])
        self.assertNotIn("NextToken", second)
        names = [a["PlatformApplicationArn"].rsplit("/", 1)[1] for a in
                 first["PlatformApplications"] + second["PlatformApplications"]]
        self.assertEqual(len(names), len(set(names)))
        self.assertEqual(len([n for n in names if n.startswith("pg-")]), 101)
        app = [a for a in first["PlatformApplications"] if "/pg-" in a["PlatformApplicationArn"]][0][
            "PlatformApplicationArn"]
        for i in range(101):
            self.sns.create_platform_endpoint(PlatformApplicationArn=app, Token=f"tok-{i}")
        pages = list(self.sns.get_paginator("list_endpoints_by_platform_application").paginate(
            PlatformApplicationArn=app))
        self.assertEqual([len(p["Endpoints"]) for p in pages], [100, 1])
        code, _, _ = self.error(self.sns.list_platform_applications, NextToken="garbage")
        self.assertEqual(code, "InvalidParameter")

    def test_baidu_endpoints_need_channel_and_user(self):
        app = self.sns.create_platform_application(Name=self.name(), Platform="BAIDU", Attributes={
            "PlatformCredential": "secret", "PlatformPrincipal": "api-key"})["PlatformApplicationArn"]
        code, _, _ = self.error(self.sns.create_platform_endpoint, PlatformApplicationArn=app, Token="chan")
        self.assertEqual(code, "InvalidParameter")
        ep = self.sns.create_platform_endpoint(PlatformApplicationArn=app, Token="chan", Attributes={
            "ChannelId": "chan", "UserId": "user"})["EndpointArn"]
        self.assertEqual(self.sns.get_endpoint_attributes(EndpointArn=ep)["Attributes"]["UserId"], "user")

    def test_sms_sender_id(self):
        for bad in ("", "123456", "TwelveChars1", "has space"):
            code, _, _ = self.error(self.sns.set_sms_attributes, attributes={"DefaultSenderID": bad})
            self.assertEqual(code, "InvalidParameter", bad)
        self.sns.set_sms_attributes(attributes={"DefaultSenderID": "Shop24"})
        self.assertEqual(self.sns.get_sms_attributes()["attributes"]["DefaultSenderID"], "Shop24")

    def test_opted_out_numbers_page(self):
        for i in range(101):
            self.stratus.http("POST", f"/_stratus/sns/opt-out?phoneNumber=%2B1555400{i:04d}")
        first = self.sns.list_phone_numbers_opted_out()
        self.assertEqual(len(first["phoneNumbers"]), 100)
        second = self.sns.list_phone_numbers_opted_out(nextToken=first["nextToken"])
        self.assertEqual(len(second["phoneNumbers"]), 1)
        self.assertNotIn("nextToken", second)


if __name__ == "__main__":
    unittest.main()
