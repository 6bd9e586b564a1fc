"""Test helpers on the real services: an isolated database with a stream account, Kafka topics."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pymysql
from pymysql.constants import CLIENT
from pyspark.sql import SparkSession

from petadota_platform.settings import Settings
from petadota_trends.settings import MysqlSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = sorted((REPO_ROOT / "infra" / "sql" / "migrations").glob("*.sql"))
ACCOUNTS = json.loads((REPO_ROOT / "infra" / "sql" / "accounts.json").read_text())
BUCKET_ACCESS = json.loads((REPO_ROOT / "infra" / "s3" / "access.json").read_text())
# The access key variables of each role of infra/s3/access.json.
S3_ROLE_PREFIXES = {
    "admin": "S3_ADMIN_",
    "pipeline": "S3_",
    "stream": "S3_STREAM_",
    "readonly": "S3_READONLY_",
}


def admin_connection(database: str | None = None, **options: object) -> pymysql.connections.Connection:
    settings = Settings("tests")
    return pymysql.connect(
        host=settings.string("MYSQL_HOST"),
        port=settings.integer("MYSQL_PORT"),
        user=settings.string("MYSQL_ADMIN_USER"),
        password=settings.string("MYSQL_ADMIN_PASSWORD"),
        database=database,
        autocommit=True,
        **options,
    )


class IsolatedDatabase:
    """A database of its own with the platform's schema, and an account with exactly the stream
    role's privileges on it (infra/sql/accounts.json)."""

    def __init__(self, suffix: str) -> None:
        self.name = f"pytest_trends_{suffix}"
        self.account_host = Settings("tests").string("MYSQL_ACCOUNT_HOST")
        self.accounts: list[str] = []

    def create(self) -> None:
        with (
            admin_connection(client_flag=CLIENT.MULTI_STATEMENTS) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(f"CREATE DATABASE `{self.name}`")
            cursor.execute(f"USE `{self.name}`")
            for migration in MIGRATIONS:
                cursor.execute(migration.read_text())
                while cursor.nextset():
                    pass
        self.stream: MysqlSettings = self.create_account("stream", ACCOUNTS["roles"]["stream"]["tables"])

    def create_account(self, label: str, tables: dict[str, list[str]]) -> MysqlSettings:
        user = f"pt_{label[:6]}_{uuid.uuid4().hex[:10]}"
        password = uuid.uuid4().hex
        with admin_connection() as connection, connection.cursor() as cursor:
            cursor.execute("CREATE USER %s@%s IDENTIFIED BY %s", (user, self.account_host, password))
            self.accounts.append(user)
            for table, privileges in tables.items():
                cursor.execute(
                    f"GRANT {', '.join(privileges)} ON `{self.name}`.`{table}` TO %s@%s",
                    (user, self.account_host),
                )
        settings = Settings("tests")
        return MysqlSettings(
            host=settings.string("MYSQL_HOST"),
            port=settings.integer("MYSQL_PORT"),
            database=self.name,
            user=user,
            password=password,
        )

    def stream_env(self) -> dict[str, str]:
        """The settings that point the trends job at this database with its stream account."""
        return {
            "MYSQL_HOST": self.stream.host,
            "MYSQL_PORT": str(self.stream.port),
            "MYSQL_DATABASE": self.stream.database,
            "MYSQL_STREAM_USER": self.stream.user,
            "MYSQL_STREAM_PASSWORD": self.stream.password,
        }

    def query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with admin_connection(self.name) as connection, connection.cursor() as cursor:
            cursor.execute(sql, args)
            return list(cursor.fetchall())

    def add_animal(self, animal_id: int, tipo: str = "cachorro", raca: str = "beagle") -> None:
        """A catalog row with that id, as the image pipeline stores one."""
        name = f"{raca}_{animal_id:02}"
        self.query(
            "INSERT INTO animais_disponiveis (id, raca, url, tipo, nome, numero, object_key, source_url, "
            "source_url_sha256, content_sha256, content_type, size_bytes) VALUES (%s, %s, %s, %s, %s, %s, "
            "%s, %s, SHA2(%s, 256), SHA2(%s, 256), 'image/jpeg', 10)",
            (
                animal_id,
                raca,
                f"s3://b/{tipo}/{raca}/{name}.jpg",
                tipo,
                name,
                animal_id,
                f"{tipo}/{raca}/{name}.jpg",
                f"https://images.example/{animal_id}",
                f"url {animal_id}",
                f"content {animal_id}",
            ),
        )

    def drop(self) -> None:
        with admin_connection() as connection, connection.cursor() as cursor:
            for user in self.accounts:
                cursor.execute("DROP USER IF EXISTS %s@%s", (user, self.account_host))
            cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")


class KafkaTopics:
    """Creates and deletes topics with Kafka's admin client, which the connector jars put on
    Spark's JVM classpath (the broker never auto-creates topics)."""

    def __init__(self, spark: SparkSession, brokers: str) -> None:
        self.jvm = spark.sparkContext._jvm
        props = self.jvm.java.util.Properties()
        props.put("bootstrap.servers", brokers)
        self.admin = self.jvm.org.apache.kafka.clients.admin.Admin.create(props)
        self.created: list[str] = []

    def create(self, name: str, partitions: int = 1) -> str:
        topic = self.jvm.org.apache.kafka.clients.admin.NewTopic(name, partitions, 1)
        self.admin.createTopics(self.jvm.java.util.Collections.singletonList(topic)).all().get()
        self.created.append(name)
        return name

    def close(self) -> None:
        if self.created:
            self.admin.deleteTopics(list(self.created)).all().get()
        self.admin.close()


def s3_client(role: str):  # boto3 generates its client types
    """A boto3 client of the S3 server the settings name, signing with `role`'s key."""
    import boto3  # tests only: the job itself writes through Spark's S3A connector

    settings = Settings("tests")
    prefix = S3_ROLE_PREFIXES[role]
    return boto3.client(
        "s3",
        endpoint_url=settings.string("S3_ENDPOINT"),
        region_name=settings.string("S3_REGION"),
        aws_access_key_id=settings.string(f"{prefix}ACCESS_KEY_ID"),
        aws_secret_access_key=settings.string(f"{prefix}SECRET_ACCESS_KEY"),
        config=boto3.session.Config(s3={"addressing_style": "path"}),
    )


class S3Bucket:
    """An archive bucket of its own on the S3 server the settings name, with the policy provisioning
    sets on the archive (infra/s3/access.json), emptied and removed afterwards."""

    def __init__(self, name: str) -> None:
        settings = Settings("tests")
        self.name = name
        self.client = s3_client("admin")
        self.client.create_bucket(Bucket=name)
        statements = []
        for role, access in BUCKET_ACCESS["buckets"]["archive"].items():
            principal = {"AWS": [settings.string(f"{S3_ROLE_PREFIXES[role]}ACCESS_KEY_ID")]}
            actions = BUCKET_ACCESS["access"][access]
            statements += [
                {
                    "Effect": "Allow",
                    "Principal": principal,
                    "Action": actions["objects"],
                    "Resource": [f"arn:aws:s3:::{name}/*"],
                },
                {
                    "Effect": "Allow",
                    "Principal": principal,
                    "Action": actions["bucket"],
                    "Resource": [f"arn:aws:s3:::{name}"],
                },
            ]
        policy = {"Version": "2012-10-17", "Statement": statements}
        self.client.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))

    def object_keys(self, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def delete(self) -> None:
        keys = self.object_keys()
        for start in range(0, len(keys), 1000):
            objects = [{"Key": key} for key in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.name, Delete={"Objects": objects})
        self.client.delete_bucket(Bucket=self.name)
