"""Where Cognito's codes and invitations go: EmailSendingAccount=DEVELOPER through SES's SendEmail
(the SES identity of SourceArn, its sandbox), COGNITO_DEFAULT into the mailbox, SmsConfiguration
through SNS's Publish; the verification and invitation templates applied."""
import re
import unittest

from test_cognito import CognitoBase

SERVICE = "cognito-idp"  # CognitoBase.idp: the boto3 client these tests call


class Messages(CognitoBase):
    def verified(self, address):
        """The address verified as an SES identity (the link of SES's verification mail followed)."""
        self.stratus.client("ses").verify_email_identity(EmailAddress=address)
        mail = [m for m in self.mail(address) if "Verification" in m["subject"]][-1]
        link = re.search(r"/_stratus/ses/verify\?token=\w+", mail["body"]).group(0)
        self.assertEqual(self.stratus.http("GET", link)[0], 200)
        return "arn:aws:ses:us-east-1:000000000000:identity/" + address

    def test_developer_email_through_ses(self):
        arn = self.verified("noreply@shop.test")
        self.verified("buyer@shop.test")
        pid = self.pool(EmailConfiguration={"EmailSendingAccount": "DEVELOPER", "SourceArn": arn,
                                            "From": "Shop <noreply@shop.test>",
                                            "ReplyToEmailAddress": "help@shop.test"},
                        AutoVerifiedAttributes=["email"],
                        VerificationMessageTemplate={"DefaultEmailOption": "CONFIRM_WITH_CODE",
                                                     "EmailSubject": "Shop code",
                                                     "EmailMessage": "Your Shop code: {####}"})
        cid = self.client(pid)["ClientId"]
        self.idp.sign_up(ClientId=cid, Username="buyer", Password="Passw0rd!",
                         UserAttributes=[{"Name": "email", "Value": "buyer@shop.test"}])
        msgs = [m for m in self.mail("buyer@shop.test") if m.get("subject") == "Shop code"]
        self.assertEqual(len(msgs), 1, self.mail("buyer@shop.test"))
        m = msgs[0]
        self.assertRegex(m["body"], r"Your Shop code: \d{6}")
        self.assertIn("noreply@shop.test", m["sender"])
        self.assertTrue(m["source"].startswith("ses"), m)
        self.idp.confirm_sign_up(ClientId=cid, Username="buyer", ConfirmationCode=self.last_code("buyer@shop.test"))
        # SES's sandbox: an unverified recipient is refused, and Cognito says the code was not delivered
        with self.assertRaises(self.idp.exceptions.CodeDeliveryFailureException):
            self.idp.sign_up(ClientId=cid, Username="stranger", Password="Passw0rd!",
                             UserAttributes=[{"Name": "email", "Value": "stranger@else.test"}])

    def test_cognito_default_and_invitation_template(self):
        pid = self.pool(AdminCreateUserConfig={"InviteMessageTemplate": {
            "EmailSubject": "Welcome", "EmailMessage": "Hi {username}, your password is {####}",
            "SMSMessage": "{username}/{####}"}})
        self.idp.admin_create_user(UserPoolId=pid, Username="neo", DesiredDeliveryMediums=["EMAIL"],
                                   UserAttributes=[{"Name": "email", "Value": "neo@matrix.test"}])
        m = self.mail("neo@matrix.test")[-1]
        self.assertEqual((m["subject"], m["sender"]), ("Welcome", "no-reply@verificationemail.com"))
        self.assertRegex(m["body"], r"^Hi neo, your password is \S+$")

    def test_sms_through_sns(self):
        pid = self.pool(SmsConfiguration={"SnsCallerArn": "arn:aws:iam::000000000000:role/sns", "ExternalId": "x"},
                        AutoVerifiedAttributes=["phone_number"], SmsVerificationMessage="Code {####}")
        cid = self.client(pid)["ClientId"]
        sns = self.stratus.client("sns")
        try:
            sns.create_sms_sandbox_phone_number(PhoneNumber="+14155550100")
            code = self.last_code("%2B14155550100")
            sns.verify_sms_sandbox_phone_number(PhoneNumber="+14155550100", OneTimePassword=code)
        except Exception:
            pass
        out = self.idp.sign_up(ClientId=cid, Username="tel", Password="Passw0rd!",
                               UserAttributes=[{"Name": "phone_number", "Value": "+14155550100"}])
        self.assertEqual(out["CodeDeliveryDetails"]["DeliveryMedium"], "SMS")
        m = self.mail("%2B14155550100")[-1]
        self.assertRegex(m["body"], r"^Code \d{6}$")
        self.assertEqual(m["sender"], "AWS SNS")
        self.assertTrue(m["source"].startswith("sns"), m)


if __name__ == "__main__":
    unittest.main()
