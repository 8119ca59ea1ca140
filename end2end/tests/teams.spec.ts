import { test, expect } from '@playwright/test';
import { password, registerInPage, uniqueName } from './helpers';

test('create a team, add a developer, change their role, remove them', async ({ page, request }) => {
  const second = uniqueName('dev');
  // As the registration page sends it: the store refuses changes from other origins.
  const created = await request.post('/api/accounts/register', {
    form: { username: second, display_name: 'Second Dev', password },
    headers: { Accept: 'application/json', Origin: new URL(page.url() === 'about:blank' ? test.info().project.use.baseURL ?? '' : page.url()).origin },
  });
  expect(created.status()).toBe(200);

  await registerInPage(page, uniqueName('lead'), 'Team Lead');
  const team = uniqueName('team');
  await page.goto('/teams');
  await expect(page.getByText('You are not in any team yet.')).toBeVisible();
  await page.getByLabel('Team name').fill(team);
  await page.getByLabel('Title', { exact: true }).fill('Dream Team');
  await page.getByRole('button', { name: 'Create team' }).click();

  await expect(page).toHaveURL(new RegExp(`/teams/${team}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Dream Team');
  await page.getByRole('link', { name: 'Team settings' }).click();
  await expect(page).toHaveURL(new RegExp(`/teams/${team}/settings$`));

  await page.getByLabel('Username').fill(second);
  await page.getByLabel('Role', { exact: true }).selectOption('developer');
  await page.getByRole('button', { name: 'Add member' }).click();
  const row = page.getByTestId(`member-${second}`);
  const roleSelect = row.getByLabel(`Role of ${second}`);
  await expect(roleSelect).toHaveValue('developer');

  await roleSelect.selectOption('member');
  await row.getByRole('button', { name: 'Change role' }).click();
  await expect(page.getByTestId('audit-log')).toContainText(`changed the role of ${second} from developer to member`);
  await expect(row.getByLabel(`Role of ${second}`)).toHaveValue('member');

  await row.getByRole('button', { name: 'Remove' }).click();
  await row.getByRole('button', { name: 'Yes, remove' }).click();
  await expect(page.getByTestId(`member-${second}`)).toHaveCount(0);
  await expect(page.getByTestId('audit-log')).toContainText(`removed ${second}`);

  // Adding a user who does not exist says so beside the field.
  await page.getByLabel('Username').fill('nobody-at-all-here');
  await page.getByRole('button', { name: 'Add member' }).click();
  await expect(page.getByText("There is no user named 'nobody-at-all-here'.")).toBeVisible();
});
