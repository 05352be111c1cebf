//! `orgwarden users list|get|create|update|delete`: a tenant's users. A password comes from
//! `--password-stdin` (so it stays out of shell history and `ps`) or `--password`.

use std::io::{BufRead, Write};

use clap::{Args, Subcommand};
use orgwarden_client::Client;
use orgwarden_proto::users::{CreateUser, UpdateUser, User};

use crate::output::{yes_no, Columns, Format};
use crate::target::Secret;
use crate::{resolve, Failure, Run, PAGE};

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Every user (all pages; Auth0 answers at most 1,000), or those `--query` finds.
    #[command(
        after_help = "Example:\n  orgwarden users list --query 'email:\"jo@example.com\"' --json"
    )]
    List {
        /// A search in Auth0's query syntax (the `q` parameter).
        #[arg(long, value_name = "Q")]
        query: Option<String>,
    },
    /// One user, by id or email.
    #[command(after_help = "Example:\n  orgwarden users get jo@example.com")]
    Get {
        /// A user id (auth0|…) or the user's email.
        user: String,
    },
    /// Create a user in a database connection.
    #[command(
        after_help = "Example:\n  printf '%s\\n' \"$PASSWORD\" | orgwarden users create --connection people --email jo@example.com --password-stdin"
    )]
    Create {
        /// The connection's name.
        #[arg(long)]
        connection: String,
        #[arg(long)]
        email: String,
        #[command(flatten)]
        password: Password,
        #[command(flatten)]
        fields: UserFields,
    },
    /// Change a user's email, name, password or blocked state.
    #[command(after_help = "Example:\n  orgwarden users update jo@example.com --blocked true")]
    Update {
        /// A user id (auth0|…) or the user's email.
        user: String,
        /// A new email.
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        password: Password,
        #[command(flatten)]
        fields: UserFields,
    },
    /// Delete a user.
    #[command(after_help = "Example:\n  orgwarden users delete 'auth0|abc123'")]
    Delete {
        /// A user id (auth0|…) or the user's email.
        user: String,
    },
}

#[derive(Debug, Args)]
pub struct Password {
    /// The password (visible in shell history and to other local users: prefer
    /// --password-stdin).
    #[arg(long, conflicts_with = "password_stdin")]
    pub password: Option<Secret>,
    /// Read the password from the first line of stdin.
    #[arg(long)]
    pub password_stdin: bool,
}

impl Password {
    fn read(self) -> Result<Option<String>, Failure> {
        if !self.password_stdin {
            return Ok(self.password.map(|p| p.0));
        }
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::Local(format!("reading the password from stdin: {e}")))?;
        let password = line.trim_end_matches(['\n', '\r']);
        if password.is_empty() {
            return Err(Failure::Usage(
                "--password-stdin: stdin gave no password".into(),
            ));
        }
        Ok(Some(password.to_owned()))
    }
}

#[derive(Debug, Args)]
pub struct UserFields {
    /// The full name.
    #[arg(long)]
    pub name: Option<String>,
    /// Block (true) or unblock (false) signing in.
    #[arg(long, value_name = "BOOL")]
    pub blocked: Option<bool>,
}

const USER: Columns<User> = Columns {
    headers: &["USER ID", "EMAIL", "NAME", "CONNECTION", "BLOCKED"],
    row: |u| {
        vec![
            u.user_id.clone(),
            u.email.clone().unwrap_or_default(),
            u.name.clone(),
            u.identities
                .first()
                .map(|i| i.connection.clone())
                .unwrap_or_default(),
            yes_no(Some(u.blocked.unwrap_or(false))),
        ]
    },
};

impl Run for UsersCommand {
    async fn run<W: Write>(
        self,
        client: &Client,
        format: Format,
        out: &mut W,
    ) -> Result<(), Failure> {
        let users = client.users();
        match self {
            UsersCommand::List { query } => {
                let all: Vec<User> =
                    crate::progress::collect(users.search(query.as_deref(), PAGE)).await?;
                format.list(out, &all, &USER)
            }
            UsersCommand::Get { user } => {
                let id = resolve::user_id(client, &user).await?;
                format.one(out, &users.get(&id).await?, &USER)
            }
            UsersCommand::Create {
                connection,
                email,
                password,
                fields,
            } => {
                let body = CreateUser {
                    connection,
                    email: Some(email),
                    password: password.read()?,
                    name: fields.name,
                    blocked: fields.blocked,
                    ..CreateUser::default()
                };
                format.one(out, &users.create(&body).await?, &USER)
            }
            UsersCommand::Update {
                user,
                email,
                password,
                fields,
            } => {
                let password = password.read()?;
                let id = resolve::user_id(client, &user).await?;
                let body = UpdateUser {
                    email,
                    password,
                    name: fields.name,
                    blocked: fields.blocked,
                    ..UpdateUser::default()
                };
                format.one(out, &users.update(&id, &body).await?, &USER)
            }
            UsersCommand::Delete { user } => {
                let id = resolve::user_id(client, &user).await?;
                users.delete(&id).await?;
                format.done(out, &format!("deleted user {id}"))
            }
        }
    }
}
