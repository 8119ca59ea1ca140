import { test, expect } from '@playwright/test';
import { hydrated } from './helpers';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The validator compiled to WASM must give the same JSON as the native build (`nanos-store
// validate --json`) for the same files. The zips are built here, with Python's zipfile.
const bin = process.env.NANOS_STORE_BIN;

const buildZips = `
import sys, zipfile
out = sys.argv[1]
manifest = '[meta]\\ntitle = "Sandbox"\\nauthor = "me"\\nversion = "1.2.3"\\n[script]\\nassets_requirements = ["nanos-world"]\\n'
def make(name, files, method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(f"{out}/{name}.zip", "w", method) as z:
        for path, text in files:
            z.writestr(path, text)
make("valid", [("Package.toml", manifest), ("Server/Index.lua", "print(1)" * 100)])
make("stored", [("Assets.toml", '[meta]\\ntitle = "City"\\nversion = "3.1.0"\\n[unreal]\\nunreal_folders = ["City"]\\n'), ("City/a.uasset", "x" * 5000)], zipfile.ZIP_STORED)
make("nested", [("my-mode/Package.toml", manifest), ("my-mode/Server/Index.lua", "")])
make("bad-version", [("Package.toml", manifest.replace("1.2.3", "v1.2"))])
make("hidden", [("Package.toml", manifest), (".git/HEAD", "ref"), ("Client/.DS_Store", ""), (".cache/x", ""), ("Package.jpg", "")])
make("unsafe", [("Package.toml", manifest), ("../escape.lua", ""), ("CON.lua", ""), ("server/index.lua", ""), ("Server/Index.lua", "")])
make("legacy", [("Package.toml", '[package]\\nname = "Old"\\nauthor = "a"\\nversion = "0.1.0"\\ntype = "script"\\n')])
make("toml-error", [("Package.toml", "[meta\\nversion = 1\\n")])
with open(f"{out}/not-a-zip.zip", "w") as f:
    f.write("just text")
`;

test('the WASM validator gives the same verdict as the native one', async ({ page }) => {
  test.skip(!bin, 'NANOS_STORE_BIN is not set');
  const dir = mkdtempSync(join(tmpdir(), 'nanos-zips-'));
  execFileSync('python3', ['-c', buildZips, dir]);

  // Wait for hydration, so the bundle's module is initialised before we call into it.
  await page.goto('/register');
  await hydrated(page);

  const files = readdirSync(dir).filter((f) => f.endsWith('.zip')).sort();
  expect(files.length).toBe(9);
  for (const file of files) {
    const native = spawnSync(bin!, ['validate', join(dir, file), '--json'], { encoding: 'utf8' });
    expect([0, 1]).toContain(native.status);
    const expected = JSON.parse(native.stdout);

    const bytes = readFileSync(join(dir, file)).toString('base64');
    const fromWasm = await page.evaluate(async (b64) => {
      const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      // The bundle's module, by the (content-hashed) name the page loaded it from.
      const script = document.querySelector<HTMLLinkElement>('link[rel="modulepreload"]');
      const bundle = await import(script!.href);
      return bundle.validateZip(new Blob([raw]), undefined, undefined);
    }, bytes);
    expect(JSON.parse(fromWasm), file).toEqual(expected);
    expect(expected.valid, file).toBe(native.status === 0);
  }
});
