import { test, expect, Browser } from '@playwright/test';
import { hydrated, registerInPage, uniqueName } from './helpers';

/** A second person in their own browser window (their own cookies). */
async function secondPerson(browser: Browser, username: string, displayName: string) {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const page = await context.newPage();
  await registerInPage(page, username, displayName);
  return { context, page };
}

test('create a team, invite a developer who accepts, change their role, remove them', async ({ page, browser }) => {
  const second = uniqueName('dev');
  const other = await secondPerson(browser, second, 'Second Dev');

  await registerInPage(page, uniqueName('lead'), 'Team Lead');
  const team = uniqueName('team');
  await page.goto('/teams');
  await hydrated(page);
  await expect(page.getByText('You are not in any team yet.')).toBeVisible();
  await page.getByLabel('Team name').fill(team);
  await page.getByLabel('Title', { exact: true }).fill('Dream Team');
  await page.getByRole('button', { name: 'Create team' }).click();

  await expect(page).toHaveURL(new RegExp(`/teams/${team}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Dream Team');
  await page.getByRole('link', { name: 'Team settings' }).click();
  await expect(page).toHaveURL(new RegExp(`/teams/${team}/settings$`));

  // The page explains each role where the role is chosen.
  await expect(page.getByText('Everything a member can do, and also: create and edit')).toBeVisible();

  await page.getByLabel('Username').fill(second);
  await page.getByLabel('Role', { exact: true }).selectOption('developer');
  await page.getByRole('button', { name: 'Invite' }).click();
  await expect(page.getByRole('status')).toContainText(`Invited ${second} as developer.`);
  await expect(page.getByTestId(`invited-${second}`)).toBeVisible();
  // Not a member before accepting.
  await expect(page.getByTestId(`member-${second}`)).toHaveCount(0);
  await expect(page.getByTestId('audit-log')).toContainText(`invited ${second} as developer`);

  // The invited person sees the invitation on their Teams page and accepts it.
  await other.page.getByRole('link', { name: 'Teams', exact: true }).click();
  const invitation = other.page.getByTestId(`invitation-${team}`);
  await expect(invitation).toContainText('invites you to join');
  await expect(invitation).toContainText('Dream Team');
  await invitation.getByRole('button', { name: 'Accept' }).click();
  await expect(other.page.getByTestId(`invitation-${team}`)).toHaveCount(0);
  await expect(other.page.getByTestId('my-teams')).toContainText('Dream Team');
  await other.context.close();

  await page.reload();
  await hydrated(page);
  const row = page.getByTestId(`member-${second}`);
  const roleSelect = row.getByLabel(`Role of ${second}`);
  await expect(roleSelect).toHaveValue('developer');
  await expect(page.getByTestId('audit-log')).toContainText(`${second} accepted the invitation and joined as developer`);

  await roleSelect.selectOption('member');
  await row.getByRole('button', { name: 'Change role' }).click();
  await expect(page.getByTestId('audit-log')).toContainText(`changed the role of ${second} from developer to member`);
  await expect(row.getByLabel(`Role of ${second}`)).toHaveValue('member');

  await row.getByRole('button', { name: 'Remove' }).click();
  await row.getByRole('button', { name: 'Yes, remove' }).click();
  await expect(page.getByTestId(`member-${second}`)).toHaveCount(0);
  await expect(page.getByTestId('audit-log')).toContainText(`removed ${second}`);

  // Inviting a user who does not exist says so beside the field.
  await page.getByLabel('Username').fill('nobody-at-all-here');
  await page.getByRole('button', { name: 'Invite' }).click();
  await expect(page.locator('#username-error')).toHaveText("There is no user named 'nobody-at-all-here'.");
});

test('an invitation can be declined, and then nothing changes', async ({ page, browser }) => {
  const guest = uniqueName('guest');
  const other = await secondPerson(browser, guest, 'Guest');
  await registerInPage(page, uniqueName('host'), 'Host');
  const team = uniqueName('club');
  await page.goto('/teams');
  await hydrated(page);
  await page.getByLabel('Team name').fill(team);
  await page.getByLabel('Title', { exact: true }).fill('Club');
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page).toHaveURL(new RegExp(`/teams/${team}$`));
  await page.goto(`/teams/${team}/settings`);
  await hydrated(page);
  await page.getByLabel('Username').fill(guest);
  await page.getByRole('button', { name: 'Invite' }).click();
  await expect(page.getByTestId(`invited-${guest}`)).toBeVisible();

  await other.page.goto('/teams');
  await hydrated(other.page);
  await other.page.getByTestId(`invitation-${team}`).getByRole('button', { name: 'Decline' }).click();
  await expect(other.page.getByTestId(`invitation-${team}`)).toHaveCount(0);
  await expect(other.page.getByText('You are not in any team yet.')).toBeVisible();
  await other.context.close();

  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId(`invited-${guest}`)).toHaveCount(0);
  await expect(page.getByTestId('audit-log')).toContainText(`${guest} declined the invitation`);
});
