"""SSM GetParameter(s) of /aws/reference/secretsmanager/<secret>: the secret's value as a
SecureString with SourceResult, WithDecryption required, versions by label or id."""
import json
import unittest

from harness import StratusTestCase, error_code, error_response

REF = "/aws/reference/secretsmanager/"


class SecretReferences(StratusTestCase):
    ephemeral = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ssm = cls.stratus.client("ssm")
        cls.sm = cls.stratus.client("secretsmanager")
        cls.arn = cls.sm.create_secret(Name="db/creds", SecretString='{"pw":"one"}')["ARN"]
        cls.sm.put_secret_value(SecretId="db/creds", SecretString='{"pw":"two"}')

    def test_get_parameter(self):
        p = self.ssm.get_parameter(Name=REF + "db/creds", WithDecryption=True)["Parameter"]
        self.assertEqual(p["Name"], REF + "db/creds")
        self.assertEqual(p["Type"], "SecureString")
        self.assertEqual(p["Value"], '{"pw":"two"}')
        self.assertEqual(p["Version"], 0)
        self.assertEqual(p["ARN"], self.arn)
        src = json.loads(p["SourceResult"])
        self.assertEqual(src["Name"], "db/creds")
        self.assertIn("AWSCURRENT", src["VersionStages"])
        self.assertEqual(src["SecretString"], '{"pw":"two"}')

    def test_selectors(self):
        p = self.ssm.get_parameter(Name=REF + "db/creds:AWSPREVIOUS", WithDecryption=True)["Parameter"]
        self.assertEqual(p["Value"], '{"pw":"one"}')
        vid = json.loads(p["SourceResult"])["VersionId"]
        p = self.ssm.get_parameter(Name=REF + "db/creds:" + vid, WithDecryption=True)["Parameter"]
        self.assertEqual(p["Value"], '{"pw":"one"}')

    def test_with_decryption_required(self):
        err = error_response(lambda: self.ssm.get_parameter(Name=REF + "db/creds"))
        self.assertEqual((err["Error"]["Code"], err["Error"]["Message"]),
                         ("ValidationException", "WithDecryption flag must be True for retrieving a Secret Manager secret."))
        self.assertEqual(error_code(lambda: self.ssm.get_parameters(Names=[REF + "db/creds"])), "ValidationException")

    def test_missing_secret(self):
        self.assertEqual(error_code(lambda: self.ssm.get_parameter(Name=REF + "nope", WithDecryption=True)),
                         "ParameterNotFound")
        out = self.ssm.get_parameters(Names=[REF + "db/creds", REF + "nope"], WithDecryption=True)
        self.assertEqual([p["Name"] for p in out["Parameters"]], [REF + "db/creds"])
        self.assertEqual(out["InvalidParameters"], [REF + "nope"])

    def test_cli(self):
        out = self.stratus.aws("ssm", "get-parameter", "--name", REF + "db/creds", "--with-decryption")
        self.assertEqual(out["Parameter"]["Value"], '{"pw":"two"}')


if __name__ == "__main__":
    unittest.main()
