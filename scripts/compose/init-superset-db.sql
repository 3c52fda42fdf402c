CREATE DATABASE superset OWNER aftersales;
