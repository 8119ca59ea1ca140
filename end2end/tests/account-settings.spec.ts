import { test, expect } from '@playwright/test';
import { hydrated, password, registerInPage, uniqueName } from './helpers';

test('change the display name and password, then delete the account', async ({ page, browser }) => {
  const username = uniqueName('acct');
  await registerInPage(page, username, 'First Name');

  // A second session of the same account, in another browser window.
  const otherContext = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const other = await otherContext.newPage();
  await other.goto('/login');
  await hydrated(other);
  await other.getByLabel('Username').fill(username);
  await other.getByLabel('Password', { exact: true }).fill(password);
  await other.getByRole('button', { name: 'Log in' }).click();
  await expect(other.getByTestId('current-user')).toHaveText('First Name');

  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await expect(page).toHaveURL(/\/settings$/);
  const name = page.getByRole('textbox', { name: 'Display name' });
  await expect(name).toHaveValue('First Name');
  await name.fill('Second Name');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByTestId('current-user')).toHaveText('Second Name');

  // A wrong current password is refused beside the field.
  await page.getByLabel('Current password').fill('not the password');
  await page.getByLabel('New password').fill('another long password');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.locator('#current_password-error')).toHaveText('This is not your current password.');
  await page.getByLabel('Current password').fill(password);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Password changed.')).toBeVisible();

  // The other session has ended; this one goes on.
  await other.reload();
  await expect(other.getByTestId('current-user')).toHaveCount(0);
  await otherContext.close();
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('current-user')).toHaveText('Second Name');

  // A team of its own with nothing in it is deleted with the account: the page says so first.
  const team = uniqueName('mine');
  await page.goto('/teams');
  await hydrated(page);
  await page.getByLabel('Team name').fill(team);
  await page.getByLabel('Title', { exact: true }).fill('Mine');
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page).toHaveURL(new RegExp(`/teams/${team}$`));
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await expect(page.getByTestId('teams-deleted')).toContainText(team);

  await page.getByLabel('Type your username to confirm').fill('someone-else');
  await page.getByLabel('Your password').fill('another long password');
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page.locator('#confirm-error')).toContainText(`Type your username, ${username}`);
  await page.getByLabel('Type your username to confirm').fill(username);
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('current-user')).toHaveCount(0);

  const profile = await page.goto(`/u/${username}`);
  expect(profile?.status()).toBe(404);
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill('another long password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.locator('#password-error')).toHaveText('Wrong username or password.');
});

test('a profile lists the teams of its user', async ({ page }) => {
  const username = uniqueName('prof');
  await registerInPage(page, username, 'Profile Person');
  const team = uniqueName('crew');
  await page.goto('/teams');
  await hydrated(page);
  await page.getByLabel('Team name').fill(team);
  await page.getByLabel('Title', { exact: true }).fill('Profile Crew');
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page).toHaveURL(new RegExp(`/teams/${team}$`));
  await page.getByTestId('current-user').click();
  await expect(page).toHaveURL(new RegExp(`/u/${username}$`));
  await expect(page.getByTestId('profile-teams')).toContainText('Profile Crew');
  await page.getByTestId('profile-teams').getByRole('link', { name: 'Profile Crew' }).click();
  await expect(page).toHaveURL(new RegExp(`/teams/${team}$`));
});
