"""An installed clinote runs without its clone: `cmake --install` into a temporary prefix,
the default model in a temporary user data folder ($XDG_DATA_HOME/clinote/models), and the
installed binary, run from another folder, writes the example visit's SOAP note with the
adapter from PREFIX/share/clinote and the model from the user's folder, finds its web page,
and reports its version; the same with the binary copied elsewhere and only CLINOTE_HOME
naming its files. Nothing of the clone is written to."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CLINOTE_BUILD_DIR", os.path.join(ROOT, "build"))
MODEL = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")


@unittest.skipIf(not os.path.exists(MODEL), "the default model is absent (scripts/setup.sh installs it)")
class InstallTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="clinote-install-")
        self.prefix = os.path.join(self.tmp, "prefix")
        subprocess.run(["cmake", "--install", BUILD, "--prefix", self.prefix], check=True, capture_output=True)
        self.xdg = os.path.join(self.tmp, "xdg")
        os.makedirs(os.path.join(self.xdg, "clinote", "models"))
        os.symlink(MODEL, os.path.join(self.xdg, "clinote", "models", os.path.basename(MODEL)))
        self.elsewhere = os.path.join(self.tmp, "elsewhere")
        os.makedirs(self.elsewhere)
        shutil.copy(os.path.join(ROOT, "examples", "visit.txt"), self.elsewhere)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_clinote(self, binary, env_extra, *args):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLINOTE_")}
        env.update({"XDG_DATA_HOME": self.xdg, "HOME": self.tmp, **env_extra})
        r = subprocess.run([binary, *args], cwd=self.elsewhere, env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def check_note(self, binary, env_extra, share):
        r = self.run_clinote(binary, env_extra, "note", "visit.txt", "--template", "soap", "-n", "96", "-t", "2")
        self.assertIn(f"loaded {os.path.join(self.xdg, 'clinote', 'models')}", r.stderr)
        self.assertIn(f"adapter {os.path.join(share, 'adapters', 'smollm2-135m-clinical')}", r.stderr)
        for heading in ("SUBJECTIVE:", "OBJECTIVE:", "ASSESSMENT:", "PLAN:"):
            self.assertRegex(r.stdout, rf"(^|\n){heading}")
        self.assertNotIn(ROOT, r.stderr)

    def test_installed_binary_finds_its_files_and_the_users_models(self):
        binary = os.path.join(self.prefix, "bin", "clinote")
        share = os.path.join(self.prefix, "share", "clinote")
        for f in ("web/index.html", "data/lexicon/drugs.txt", "adapters/smollm2-135m-clinical/adapter_config.json",
                  "schemas/clinical_summary.schema.json"):
            self.assertTrue(os.path.exists(os.path.join(share, f)), f)
        self.assertRegex(self.run_clinote(binary, {}, "--version").stdout, r"^clinote \d+\.\d+\.\d+ \(commit ")
        self.check_note(binary, {}, share)
        # --check reads the lexicons from share/clinote too.
        r = self.run_clinote(binary, {}, "note", "visit.txt", "-n", "48", "--check")
        self.assertIn("review:", r.stderr)

    def test_copied_binary_with_clinote_home(self):
        share = os.path.join(self.prefix, "share", "clinote")
        lone = os.path.join(self.tmp, "lone-bin")
        os.makedirs(lone)
        binary = shutil.copy(os.path.join(self.prefix, "bin", "clinote"), lone)
        self.check_note(binary, {"CLINOTE_HOME": share}, share)


if __name__ == "__main__":
    unittest.main()
